//go:build tools

// The Node.js language host as released in sdk v3.68.0, the last version the module proxy serves
// (later ones are a module of their own that it does not). The wrapper in ../cmd forwards to it.
package tools

import _ "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"
