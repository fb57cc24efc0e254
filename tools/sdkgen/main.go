// Command sdkgen writes the Node.js and Go SDKs of a Pulumi package from its schema, with the
// code generators of the pinned Pulumi version. `pulumi package gen-sdk` would do the same
// through the languages' hosts, but those hosts cannot be installed here; the generators are
// plain Go packages of github.com/pulumi/pulumi/pkg/v3, so this calls them directly.
//
//	sdkgen [-out DIR] [SCHEMA.json]   (the schema from stdin without a file)
//
// It writes DIR/nodejs and DIR/go (DIR defaults to sdk), after deleting what those folders
// held, so that a type or file the schema no longer has disappears from the SDKs too. Only
// DIR/nodejs/node_modules is kept: it is the installed dependencies, not generated code.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"golang.org/x/mod/modfile"
)

// tool names the generator in each file's "do not edit" header: the command that regenerates.
const tool = "scripts/generate-sdks.sh"

const pulumiSDK = "github.com/pulumi/pulumi/sdk/v3"

func main() {
	out := flag.String("out", "sdk", "the folder that receives nodejs/ and go/")
	flag.Parse()
	if err := run(*out, flag.Arg(0)); err != nil {
		fmt.Fprintln(os.Stderr, "sdkgen:", err)
		os.Exit(1)
	}
}

func run(out, schemaFile string) error {
	spec, err := readSpec(schemaFile)
	if err != nil {
		return err
	}

	// Each generator records its language's settings in the bound package, so each gets its own.
	nodePkg, err := bind(spec)
	if err != nil {
		return err
	}
	// local: package.json's main is bin/index.js and a postinstall script compiles the
	// TypeScript and copies package.json beside it (where getVersion() reads it), so the
	// folder works as a "file:" dependency without being published first.
	nodeFiles, err := nodejs.GeneratePackage(tool, nodePkg, nil, nil, true, noLoader{})
	if err != nil {
		return fmt.Errorf("nodejs: %w", err)
	}

	goPkg, err := bind(spec)
	if err != nil {
		return err
	}
	goFiles, err := gogen.GeneratePackage(tool, goPkg, nil)
	if err != nil {
		return fmt.Errorf("go: %w", err)
	}
	// GeneratePackage writes a go.mod only for "supportPack" schemas; ours is a plain one.
	goFiles["go.mod"], err = goMod(goPkg)
	if err != nil {
		return err
	}

	if err := writeTree(filepath.Join(out, "nodejs"), nodeFiles, "node_modules"); err != nil {
		return err
	}
	return writeTree(filepath.Join(out, "go"), goFiles)
}

func readSpec(file string) (schema.PackageSpec, error) {
	var spec schema.PackageSpec
	var data []byte
	var err error
	if file == "" || file == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return spec, err
	}
	if err := json.Unmarshal(data, &spec); err != nil {
		return spec, fmt.Errorf("the schema is not valid JSON: %w", err)
	}
	return spec, nil
}

// bind checks the schema against Pulumi's metaschema (BindSpec, not ImportSpec, so that a
// mistake in schema.py is reported here rather than generating a wrong SDK).
func bind(spec schema.PackageSpec) (*schema.Package, error) {
	pkg, diags, err := schema.BindSpec(spec, noLoader{}, schema.ValidationOptions{})
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		return nil, fmt.Errorf("the schema does not bind: %w", diags)
	}
	return pkg, nil
}

// noLoader answers every request for another package's schema with an error: this package
// refers to no other, and a reference appearing by mistake must fail rather than start plugins.
type noLoader struct{}

var errNoOtherPackages = errors.New("the schema may refer to no other package")

func (noLoader) LoadPackage(string, *semver.Version) (*schema.Package, error) {
	return nil, errNoOtherPackages
}

func (noLoader) LoadPackageV2(context.Context, *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, errNoOtherPackages
}

func (noLoader) LoadPackageReference(string, *semver.Version) (schema.PackageReference, error) {
	return nil, errNoOtherPackages
}

func (noLoader) LoadPackageReferenceV2(
	context.Context, *schema.PackageDescriptor,
) (schema.PackageReference, error) {
	return nil, errNoOtherPackages
}

// goMod is the Go SDK's go.mod: its module is the schema's language.go.modulePath, and it
// requires the Pulumi Go SDK at the version these generators belong to (the CLI's version),
// the one the generated code is written against. `go mod tidy` completes it.
func goMod(pkg *schema.Package) ([]byte, error) {
	info, _ := pkg.Language["go"].(gogen.GoPackageInfo)
	if info.ModulePath == "" {
		return nil, errors.New("the schema's language.go has no modulePath")
	}
	version, err := pulumiVersion()
	if err != nil {
		return nil, err
	}
	var mod modfile.File
	if err := mod.AddModuleStmt(info.ModulePath); err != nil {
		return nil, err
	}
	// Without a go line Go reads the module as go 1.16 and walks the whole, unpruned module
	// graph, down to a test module's requirement on github.com/opentracing-contrib/go-grpc
	// v0.0.0, a version that exists only through that module's own replace. Tidy raises the
	// line to what the Pulumi SDK needs.
	if err := mod.AddGoStmt("1.25"); err != nil {
		return nil, err
	}
	if err := mod.AddRequire(pulumiSDK, version); err != nil {
		return nil, err
	}
	return mod.Format()
}

// pulumiVersion is the version of github.com/pulumi/pulumi/sdk/v3 this program is built with,
// which go.mod (through pkg/v3) makes the pinned CLI's version.
func pulumiVersion() (string, error) {
	build, ok := debug.ReadBuildInfo()
	if !ok {
		return "", errors.New("no build information to read the Pulumi SDK's version from")
	}
	for _, dep := range build.Deps {
		if dep.Path == pulumiSDK {
			return dep.Version, nil
		}
	}
	return "", fmt.Errorf("%s is not among this program's dependencies", pulumiSDK)
}

// writeTree replaces dir's contents with files, keeping only the entries named in keep.
func writeTree(dir string, files map[string][]byte, keep ...string) error {
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	for _, entry := range entries {
		if !slices.Contains(keep, entry.Name()) {
			if err := os.RemoveAll(filepath.Join(dir, entry.Name())); err != nil {
				return err
			}
		}
	}
	for name, data := range files {
		target := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(target, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
