// Amazon EC2 machine images as code: an AMI with its EBS snapshots and block device mappings, protected from deregistration by default, deleted with one DeregisterImage(DeleteAssociatedSnapshots) call and an exact report of each snapshot.
package amilifecycle
