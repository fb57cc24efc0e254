"""The resources' CRUD, one module each, on plain camelCase property bags; `ami_lifecycle.plugin`
serves them to the Pulumi engine."""
