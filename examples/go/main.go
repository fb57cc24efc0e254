// Command golden-image runs the example program (program.go) as a Pulumi Automation API inline
// program, one CLI operation per invocation, so a script can play a stack's life step by step:
//
//	golden-image -stack NAME -work DIR [-pulumi ROOT] [-plugins DIR] COMMAND [ARGS]
//
//	up                             pulumi up --yes
//	destroy                        pulumi destroy --yes
//	preview [-policy-pack PATH]... pulumi preview, with each policy pack
//	config KEY=VALUE...            pulumi config set (plaintext), for each pair
//	export [-file PATH]            pulumi stack export, to PATH or stdout
//
// The CLI's output is streamed as it comes; a failed operation exits 1. The program runs
// inside this process: the CLI needs no Go language host. The project file and stack settings
// are written in DIR; unless PULUMI_BACKEND_URL and PULUMI_HOME say otherwise, the state (the
// CLI's local file backend) and the CLI's home are kept there too.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

const project = "golden-image-go"

// errUsage is a command line this command can't run; its message has been printed already.
var errUsage = errors.New("usage")

func main() {
	// A SIGTERM or Ctrl-C cancels the operation: the Automation API then interrupts the CLI,
	// which cancels the update and stops the plugins it started.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	switch {
	case errors.Is(err, errUsage):
		os.Exit(2)
	case err != nil:
		fmt.Fprintf(os.Stderr, "golden-image: %s\n", err)
		os.Exit(1)
	}
}

// operation is one CLI operation on the stack.
type operation func(ctx context.Context, stack auto.Stack) error

func run(ctx context.Context, args []string) error {
	global := flag.NewFlagSet("golden-image", flag.ContinueOnError)
	stackName := global.String("stack", "", "the stack's name (required)")
	work := global.String("work", "", "the folder of the stack's project file, settings and state (required)")
	root := global.String("pulumi", "", "the folder whose bin/pulumi is the CLI to run (default: pulumi on PATH)")
	plugins := global.String("plugins", "", "the folder of pulumi-resource-ami-lifecycle (default: found on PATH)")
	global.Usage = func() {
		fmt.Fprintln(global.Output(), "usage: golden-image -stack NAME -work DIR [-pulumi ROOT] [-plugins DIR] "+
			"up | destroy | preview [-policy-pack PATH]... | config KEY=VALUE... | export [-file PATH]")
		global.PrintDefaults()
	}
	if err := global.Parse(args); err != nil {
		return errUsage
	}
	if *stackName == "" || *work == "" || global.NArg() == 0 {
		global.Usage()
		return errUsage
	}
	// The whole command line is checked before the CLI is first run.
	op, err := parse(global.Arg(0), global.Args()[1:])
	if errors.Is(err, errUsage) {
		global.Usage()
	}
	if err != nil {
		return err
	}
	stack, err := open(ctx, *stackName, *work, *root, *plugins)
	if err != nil {
		return err
	}
	return op(ctx, stack)
}

func parse(command string, args []string) (operation, error) {
	switch command {
	case "up":
		return up, noArguments(command, args)
	case "destroy":
		return destroy, noArguments(command, args)
	case "preview":
		return previewWith(args)
	case "config":
		return configOf(args)
	case "export":
		return exportTo(args)
	}
	fmt.Fprintf(os.Stderr, "golden-image: unknown command %q\n", command)
	return nil, errUsage
}

func up(ctx context.Context, stack auto.Stack) error {
	_, err := stack.Up(ctx, optup.ProgressStreams(os.Stdout), optup.ErrorProgressStreams(os.Stderr),
		optup.Color("never"))
	return streamed(err)
}

func destroy(ctx context.Context, stack auto.Stack) error {
	_, err := stack.Destroy(ctx, optdestroy.ProgressStreams(os.Stdout),
		optdestroy.ErrorProgressStreams(os.Stderr), optdestroy.Color("never"))
	return streamed(err)
}

// open creates or selects the stack of the inline program in work.
func open(ctx context.Context, stackName, work, root, plugins string) (auto.Stack, error) {
	work, err := filepath.Abs(work)
	if err != nil {
		return auto.Stack{}, err
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		return auto.Stack{}, err
	}
	cli, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: root})
	if err != nil {
		return auto.Stack{}, err
	}
	description := "A protected golden AMI registered from snapshots, with its snapshots owned and cleaned up."
	settings := workspace.Project{
		Name:        tokens.PackageName(project),
		Runtime:     workspace.NewProjectRuntimeInfo("go", nil),
		Description: &description,
	}
	if plugins != "" {
		// The engine starts this plugin for the ami-lifecycle package instead of looking on PATH
		// or in the plugin cache; the path is the folder that holds the executable.
		plugins, err = filepath.Abs(plugins)
		if err != nil {
			return auto.Stack{}, err
		}
		settings.Plugins = &workspace.Plugins{
			Providers: []workspace.PluginOptions{{Name: "ami-lifecycle", Path: plugins}},
		}
	}
	env := map[string]string{}
	if os.Getenv("PULUMI_BACKEND_URL") == "" {
		state := filepath.Join(work, "state")
		if err := os.MkdirAll(state, 0o755); err != nil {
			return auto.Stack{}, err
		}
		env["PULUMI_BACKEND_URL"] = "file://" + filepath.ToSlash(state)
	}
	home := os.Getenv("PULUMI_HOME")
	if home == "" {
		home = filepath.Join(work, "pulumi-home")
	}
	return auto.UpsertStackInlineSource(ctx, stackName, project, goldenImage,
		auto.WorkDir(work),
		auto.Project(settings),
		auto.Pulumi(cli),
		auto.PulumiHome(home),
		auto.EnvVars(env),
	)
}

// packs is a flag that may be given more than once.
type packs []string

func (p *packs) String() string { return strings.Join(*p, ",") }

func (p *packs) Set(pack string) error {
	*p = append(*p, pack)
	return nil
}

func previewWith(args []string) (operation, error) {
	flags := flag.NewFlagSet("golden-image preview", flag.ContinueOnError)
	var policyPacks packs
	flags.Var(&policyPacks, "policy-pack", "a policy pack to run (a folder, or an analyzer executable); repeatable")
	if err := flags.Parse(args); err != nil {
		return nil, errUsage
	}
	return func(ctx context.Context, stack auto.Stack) error {
		_, err := stack.Preview(ctx, optpreview.ProgressStreams(os.Stdout),
			optpreview.ErrorProgressStreams(os.Stderr), optpreview.Color("never"),
			optpreview.PolicyPacks(policyPacks...))
		return streamed(err)
	}, noArguments("preview", flags.Args())
}

func configOf(pairs []string) (operation, error) {
	if len(pairs) == 0 {
		fmt.Fprintln(os.Stderr, "golden-image config: give at least one KEY=VALUE")
		return nil, errUsage
	}
	values := auto.ConfigMap{}
	for _, pair := range pairs {
		key, value, found := strings.Cut(pair, "=")
		if !found || key == "" {
			fmt.Fprintf(os.Stderr, "golden-image config: %q is not KEY=VALUE\n", pair)
			return nil, errUsage
		}
		values[key] = auto.ConfigValue{Value: value}
	}
	return func(ctx context.Context, stack auto.Stack) error {
		return stack.SetAllConfig(ctx, values)
	}, nil
}

func exportTo(args []string) (operation, error) {
	flags := flag.NewFlagSet("golden-image export", flag.ContinueOnError)
	file := flags.String("file", "", "where to write the deployment (default: stdout)")
	if err := flags.Parse(args); err != nil {
		return nil, errUsage
	}
	return func(ctx context.Context, stack auto.Stack) error {
		deployment, err := stack.Export(ctx)
		if err != nil {
			return err
		}
		if *file == "" {
			return write(os.Stdout, deployment)
		}
		created, err := os.Create(*file)
		if err != nil {
			return err
		}
		// A deployment cut short by a failed write or close is an error, not a smaller stack.
		return errors.Join(write(created, deployment), created.Close())
	}, noArguments("export", flags.Args())
}

func write(out io.Writer, deployment apitype.UntypedDeployment) error {
	encoder := json.NewEncoder(out)
	encoder.SetIndent("", "    ")
	return encoder.Encode(deployment)
}

func noArguments(command string, args []string) error {
	if len(args) > 0 {
		fmt.Fprintf(os.Stderr, "golden-image %s: unexpected arguments %q\n", command, args)
		return errUsage
	}
	return nil
}

// streamedError is the failure of an operation whose output has been streamed: the Automation
// API's error goes on to repeat that whole output, so only its first line is told.
type streamedError struct{ err error }

func (e streamedError) Error() string {
	line, _, _ := strings.Cut(e.err.Error(), "\n")
	return line
}

func (e streamedError) Unwrap() error { return e.err }

func streamed(err error) error {
	if err == nil {
		return nil
	}
	return streamedError{err}
}
