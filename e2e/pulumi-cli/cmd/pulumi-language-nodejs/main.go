// Command pulumi-language-nodejs is the Node.js language host used by the end-to-end suite when no
// Pulumi CLI is installed. The Go module proxy serves the Node.js host's source only up to v3.68.0,
// when it still lived inside the sdk module; that host runs programs exactly as released, but it
// predates RunPlugin, which current CLIs use to start Node.js policy packs, and installs dependencies
// without the runtime options. This wrapper starts that host and forwards every other call to it
// unchanged; it answers RunPlugin with the SDK's own PolicyProxy, the path the current host takes
// (config from ConfigureStack in the pack's environment, `@pulumi/pulumi/cmd/run-policy-pack` started
// in the pack's directory), and InstallDependencies with the SDK's own npm driver.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/google/shlex"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	pbempty "google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/nodejs/npm"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// maxMessageSize matches the engine's own limit, so large programs' requests pass through.
const maxMessageSize = 400 * 1024 * 1024

// releasedHost is the binary this wrapper forwards to; the build script installs it beside this one.
const releasedHost = "pulumi-language-nodejs-v3.68.0"

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	released pulumirpc.LanguageRuntimeClient
}

func main() {
	if err := serve(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(1)
	}
}

func serve(args []string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(filepath.Join(filepath.Dir(self), releasedHost), args...)
	cmd.Stderr = os.Stderr
	// The CLI kills this process, not its children: the released host must not outlive it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	port, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		return fmt.Errorf("reading the released host's port: %w", err)
	}
	conn, err := grpc.NewClient("127.0.0.1:"+strings.TrimSpace(port),
		grpc.WithTransportCredentials(insecure.NewCredentials()), rpcutil.GrpcChannelOptions())
	if err != nil {
		return err
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	server := grpc.NewServer(grpc.MaxRecvMsgSize(maxMessageSize))
	pulumirpc.RegisterLanguageRuntimeServer(server, &host{released: pulumirpc.NewLanguageRuntimeClient(conn)})
	fmt.Printf("%d\n", listener.Addr().(*net.TCPAddr).Port)
	go func() {
		_ = cmd.Wait()
		server.Stop()
	}()
	return server.Serve(listener)
}

func (h *host) Handshake(ctx context.Context, req *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	return h.released.Handshake(ctx, req)
}

func (h *host) GetRequiredPlugins(ctx context.Context, req *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return h.released.GetRequiredPlugins(ctx, req)
}

func (h *host) GetRequiredPackages(ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return h.released.GetRequiredPackages(ctx, req)
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	return h.released.Run(ctx, req)
}

func (h *host) GetPluginInfo(ctx context.Context, req *pbempty.Empty) (*pulumirpc.PluginInfo, error) {
	return h.released.GetPluginInfo(ctx, req)
}

func (h *host) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	return h.released.About(ctx, req)
}

func (h *host) GetProgramDependencies(ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return h.released.GetProgramDependencies(ctx, req)
}

func (h *host) RuntimeOptionsPrompts(ctx context.Context, req *pulumirpc.RuntimeOptionsRequest) (*pulumirpc.RuntimeOptionsResponse, error) {
	return h.released.RuntimeOptionsPrompts(ctx, req)
}

// InstallDependencies installs with the SDK's own npm driver, as the current host does: the
// released v3.68.0 host ignores the `production` and `packagemanager` runtime options, which decide
// what a published policy pack installs on every machine.
func (h *host) InstallDependencies(req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer) error {
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()

	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetDirectory()
	}
	if root, err := npm.FindWorkspaceRoot(dir); err == nil {
		dir = root
	} else if !errors.Is(err, npm.ErrNotInWorkspace) {
		return fmt.Errorf("failure while trying to find workspace root: %w", err)
	}
	options := req.GetInfo().GetOptions().AsMap()
	production, _ := options["production"].(bool)
	manager, _ := options["packagemanager"].(string)

	fmt.Fprintf(stdout, "Installing dependencies...\n\n")
	if _, err := npm.Install(server.Context(), npm.PackageManagerType(manager), dir, production, stdout, stderr); err != nil {
		return fmt.Errorf("installing dependencies failed: %w", err)
	}
	fmt.Fprintf(stdout, "Finished installing dependencies\n\n")
	return closer.Close()
}

// RunPlugin starts a Node.js plugin; a policy pack (kind analyzer) goes through PolicyProxy so that
// the stack's configuration reaches the pack's environment before it starts.
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	ctx := server.Context()
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	node, err := exec.LookPath("node")
	if err != nil {
		return err
	}
	dir := req.GetInfo().GetProgramDirectory()
	isPolicyPack := req.GetKind() == "analyzer"
	entry := "@pulumi/pulumi/cmd/run-plugin"
	if isPolicyPack {
		entry = "@pulumi/pulumi/cmd/run-policy-pack"
	}
	entryPath, err := resolveModule(node, dir, entry)
	if err != nil {
		return err
	}

	options := req.GetInfo().GetOptions().AsMap()
	nodeArgs, err := shlex.Split(fmt.Sprint(valueOr(options["nodeargs"], "")))
	if err != nil {
		return err
	}
	args := append([]string{entryPath}, nodeArgs...)
	env := req.GetEnv()
	if ts, ok := options["typescript"].(bool); ok && ts {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if tsconfig, ok := options["tsconfig"].(string); ok && tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+tsconfig)
	}

	var proxy *sdk.PolicyProxy
	if isPolicyPack {
		// A policy pack takes the program directory last; other plugins take it first.
		args = append(append(args, req.GetArgs()...), dir)
		proxy, stdout, err = sdk.NewPolicyProxy(ctx, stdout)
		if err != nil {
			return fmt.Errorf("could not start policy pack proxy: %w", err)
		}
		config, err := proxy.AwaitConfiguration(ctx)
		if err != nil {
			return fmt.Errorf("could not get stack configuration: %w", err)
		}
		env, err = withStackConfiguration(env, config)
		if err != nil {
			return err
		}
	} else {
		args = append(append(args, dir), req.GetArgs()...)
	}

	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = req.GetPwd()
	if isPolicyPack {
		// Node.js policy packs have always run from their own directory.
		cmd.Dir = dir
	}
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		if proxy != nil {
			proxy.Abort(err)
		}
		return err
	}
	if proxy != nil {
		err = proxy.Attach(ctx, cmd)
	} else {
		err = cmd.Wait()
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return fmt.Errorf("Program exited with non-zero exit code: %d", exitErr.ExitCode())
	}
	return err
}

func withStackConfiguration(env []string, config *pulumirpc.AnalyzerStackConfigureRequest) ([]string, error) {
	if config == nil {
		return env, nil
	}
	add := func(key, value string) {
		if value != "" {
			env = append(env, key+"="+value)
		}
	}
	add("PULUMI_NODEJS_ORGANIZATION", config.GetOrganization())
	add("PULUMI_NODEJS_PROJECT", config.GetProject())
	add("PULUMI_NODEJS_STACK", config.GetStack())
	add("PULUMI_NODEJS_DRY_RUN", strconv.FormatBool(config.GetDryRun()))
	if config.GetConfig() != nil {
		encoded, err := json.Marshal(config.GetConfig())
		if err != nil {
			return nil, fmt.Errorf("could not encode stack configuration: %w", err)
		}
		add("PULUMI_CONFIG", string(encoded))
	}
	return env, nil
}

// resolveModule asks node itself, from the plugin's directory, so that the plugin's own
// @pulumi/pulumi is the one that runs it.
func resolveModule(node, dir, module string) (string, error) {
	cmd := exec.Command(node, "-e", fmt.Sprintf("console.log(require.resolve(%q))", module))
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("could not find %s from %s (run npm install there): %w", module, dir, err)
	}
	return strings.TrimSpace(string(out)), nil
}

func valueOr(value any, fallback any) any {
	if value == nil {
		return fallback
	}
	return value
}
