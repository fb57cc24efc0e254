// One Pulumi CLI operation on one stack of the example (index.ts), run as an Automation API
// inline program, so that no Node.js language host is needed: the CLI runs the program through
// this process. One operation per invocation lets a caller check each step before the next.
//
//   node bin/automation.js --stack NAME --work DIR OPERATION [ARGUMENTS]
//
//   up | destroy | preview [--policy-pack PATH]... | config KEY=VALUE... | export
//
// The stack's project files, its state (a file backend) and its PULUMI_HOME all live in DIR, so
// nothing touches the user's Pulumi settings. The CLI's output is passed on as it comes; the
// exit status is non-zero when the operation fails. `export` prints the stack's deployment as
// JSON; `config` sets plain-text values. --stack and --work default to GOLDEN_IMAGE_STACK and
// GOLDEN_IMAGE_WORK. The CLI is <repository>/.tools/bin/pulumi (or PULUMI_ROOT/bin/pulumi) when
// it is there, else the `pulumi` on PATH; the provider plugin is found in AMI_LIFECYCLE_PLUGIN_DIR
// (default <repository>/.venv/bin). PULUMI_CONFIG_PASSPHRASE encrypts the stack's secrets.
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import * as automation from "@pulumi/pulumi/automation";
import { goldenImage } from "./index";

// Compiled into <repository>/examples/typescript/bin.
const REPOSITORY = path.resolve(__dirname, "..", "..", "..");
const PROJECT = "golden-image-typescript";
const USAGE =
    "usage: automation.js --stack NAME --work DIR " +
    "(up | destroy | preview [--policy-pack PATH]... | config KEY=VALUE... | export)";

class UsageError extends Error {}

interface Invocation {
    stack: string;
    work: string;
    operation: string;
    operands: string[];
}

function parse(argv: string[]): Invocation {
    let stack = process.env.GOLDEN_IMAGE_STACK;
    let work = process.env.GOLDEN_IMAGE_WORK;
    const rest = [...argv];
    while (rest.length > 0 && rest[0].startsWith("--")) {
        const [option, value] = [rest.shift(), rest.shift()];
        if (value === undefined) {
            throw new UsageError(`${option} needs a value`);
        }
        if (option === "--stack") {
            stack = value;
        } else if (option === "--work") {
            work = value;
        } else {
            throw new UsageError(`unknown option ${option}`);
        }
    }
    const [operation, ...operands] = rest;
    if (!stack || !work || operation === undefined) {
        throw new UsageError("a stack, a work folder and an operation are needed");
    }
    return { stack, work: path.resolve(work), operation, operands };
}

// ProjectSettings of @pulumi/pulumi 3.270 has no `plugins`; the CLI reads it from Pulumi.yaml,
// which the workspace writes from these settings as they are.
interface ProjectWithPlugins extends automation.ProjectSettings {
    plugins: { providers: { name: string; path: string }[] };
}

async function openStack(invocation: Invocation): Promise<automation.Stack> {
    const work = invocation.work;
    fs.mkdirSync(path.join(work, "state"), { recursive: true });
    const root = process.env.PULUMI_ROOT ?? path.join(REPOSITORY, ".tools");
    const pulumiCommand = await automation.PulumiCommand.get(
        fs.existsSync(path.join(root, "bin", "pulumi")) ? { root } : {},
    );
    const projectSettings: ProjectWithPlugins = {
        name: PROJECT,
        runtime: "nodejs",
        description: "The example's golden image, as a TypeScript inline program.",
        plugins: {
            providers: [
                {
                    name: "ami-lifecycle",
                    path: path.resolve(
                        process.env.AMI_LIFECYCLE_PLUGIN_DIR ?? path.join(REPOSITORY, ".venv", "bin"),
                    ),
                },
            ],
        },
    };
    return automation.LocalWorkspace.createOrSelectStack(
        { stackName: invocation.stack, projectName: PROJECT, program: goldenImage },
        {
            workDir: work,
            pulumiHome: path.join(work, "pulumi-home"),
            pulumiCommand,
            projectSettings,
            envVars: { PULUMI_BACKEND_URL: pathToFileURL(path.join(work, "state")).href },
        },
    );
}

function configValues(operands: string[]): automation.ConfigMap {
    const values: automation.ConfigMap = {};
    for (const operand of operands) {
        const at = operand.indexOf("=");
        if (at <= 0) {
            throw new UsageError(`config takes KEY=VALUE, not ${JSON.stringify(operand)}`);
        }
        values[operand.slice(0, at)] = { value: operand.slice(at + 1) };
    }
    return values;
}

function policyPacks(operands: string[]): string[] {
    const packs: string[] = [];
    for (let i = 0; i < operands.length; i += 2) {
        const pack = operands[i + 1];
        if (operands[i] !== "--policy-pack" || pack === undefined) {
            throw new UsageError("preview takes only --policy-pack PATH");
        }
        packs.push(path.resolve(pack));
    }
    return packs;
}

/** The CLI's output as it comes: `streamed` says whether any was shown. */
class Output {
    streamed = false;
    readonly options = {
        color: "never" as const,
        onOutput: (out: string) => this.write(process.stdout, out),
        onError: (err: string) => this.write(process.stderr, err),
    };

    private write(stream: NodeJS.WriteStream, text: string): void {
        this.streamed = true;
        stream.write(text);
    }
}

async function run(invocation: Invocation, output: Output): Promise<void> {
    const { operation, operands } = invocation;
    const expectNone = () => {
        if (operands.length > 0) {
            throw new UsageError(`${operation} takes no arguments`);
        }
    };
    // Checked before the stack is opened: a mistyped command changes nothing.
    switch (operation) {
        case "up":
        case "destroy":
        case "export":
            expectNone();
            break;
        case "preview":
            policyPacks(operands);
            break;
        case "config":
            configValues(operands);
            break;
        default:
            throw new UsageError(`unknown operation ${operation}`);
    }
    const stack = await openStack(invocation);
    switch (operation) {
        case "up":
            await stack.up(output.options);
            return;
        case "destroy":
            await stack.destroy(output.options);
            return;
        case "preview":
            await stack.preview({ ...output.options, policyPacks: policyPacks(operands) });
            return;
        case "config":
            await stack.setAllConfig(configValues(operands));
            return;
        case "export":
            process.stdout.write(`${JSON.stringify(await stack.exportStack())}\n`);
            return;
    }
}

async function main(): Promise<number> {
    const output = new Output();
    try {
        await run(parse(process.argv.slice(2)), output);
        return 0;
    } catch (error) {
        if (error instanceof UsageError) {
            process.stderr.write(`automation.js: ${error.message}\n${USAGE}\n`);
            return 2;
        }
        // A failed CLI command's error repeats the output already shown; anything else (the CLI
        // not found, a stack that can't be opened) is said once, without a stack trace.
        if (!(output.streamed && error instanceof automation.CommandError)) {
            process.stderr.write(`${said(error)}\n`);
        }
        return 1;
    }
}

/** What a failure says: of a CommandError ("code: …\n stdout: …\n stderr: …\n err?: …"), the
 * CLI's error output, which its other parts repeat. */
function said(error: unknown): string {
    const message = error instanceof Error ? error.message : String(error);
    const stderr = /\n stderr: ([\s\S]*?)\n err\?: /.exec(message);
    return (stderr === null ? message : stderr[1]).trim();
}

main().then((code) => {
    process.exitCode = code;
});
