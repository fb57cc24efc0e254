//go:build tools

// Package tools pins the Pulumi CLI this project builds: `go install pkg@version` refuses
// github.com/pulumi/pulumi/pkg/v3 because its go.mod has replace directives, so this module
// requires it (and, through it, sdk/v3 at the same version) and repeats the one replace that
// is not a relative path. scripts/install-pulumi.sh builds ./cmd/pulumi from here.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
