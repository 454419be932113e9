//go:build tools

// The Pulumi CLI, built from this module so that its replace line applies.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
