package main

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// envFlags collects repeated --env K=V flags.
type envFlags map[string]string

func (e envFlags) String() string { return fmt.Sprint(map[string]string(e)) }

func (e envFlags) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want KEY=VALUE, got %q", s)
	}
	e[k] = v
	return nil
}

func deploy(args []string) error {
	fs := flag.NewFlagSet("deploy", flag.ExitOnError)
	var c clientFlags
	c.register(fs)
	name := fs.String("name", "", "function name (required)")
	runtime := fs.String("runtime", "", "runtime, e.g. provided.al2023 or python3.12 (required to create)")
	handler := fs.String("handler", "", "handler, e.g. app.handler (required to create)")
	role := fs.String("role", "", "execution role ARN (default: "+defaultRole+", created with AWSLambdaBasicExecutionRole when missing)")
	memory := fs.Int("memory", 0, "memory in MB (default 128 on create)")
	timeout := fs.Int("timeout", 0, "timeout in seconds (default 3 on create)")
	vars := envFlags{}
	fs.Var(vars, "env", "environment variable KEY=VALUE (repeatable)")
	path := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		path, args = args[0], args[1:]
	}
	fs.Parse(args)
	if path == "" && fs.NArg() == 1 {
		path = fs.Arg(0)
	}
	if path == "" || *name == "" {
		return errors.New("usage: nubo deploy PATH --name N --runtime R --handler H [--memory M --timeout T --env K=V]")
	}
	zipped, err := readPackage(path)
	if err != nil {
		return err
	}
	ctx := context.Background()
	client := c.lambdaClient()
	settings := functionSettings{runtime: *runtime, handler: *handler, memory: *memory, timeout: *timeout, env: vars}
	_, err = client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: name})
	var notFound *types.ResourceNotFoundException
	switch {
	case errors.As(err, &notFound) && *role == "":
		if *role, err = c.ensureDefaultRole(ctx); err == nil {
			err = create(ctx, client, *name, *role, zipped, settings)
		}
	case errors.As(err, &notFound):
		err = create(ctx, client, *name, *role, zipped, settings)
	case err == nil:
		err = update(ctx, client, *name, zipped, settings)
	}
	if err != nil {
		return err
	}
	out, err := client.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: name})
	if err != nil {
		return err
	}
	fmt.Printf("%s\t%s\t%s\n", aws.ToString(out.FunctionArn), out.State, aws.ToString(out.CodeSha256))
	return nil
}

type functionSettings struct {
	runtime, handler string
	memory, timeout  int
	env              map[string]string
}

func create(ctx context.Context, client *lambda.Client, name, role string, zipped []byte, s functionSettings) error {
	if s.runtime == "" || s.handler == "" {
		return errors.New("--runtime and --handler are required to create a function")
	}
	in := &lambda.CreateFunctionInput{
		FunctionName: aws.String(name),
		Role:         aws.String(role),
		Runtime:      types.Runtime(s.runtime),
		Handler:      aws.String(s.handler),
		Code:         &types.FunctionCode{ZipFile: zipped},
	}
	if s.memory > 0 {
		in.MemorySize = aws.Int32(int32(s.memory))
	}
	if s.timeout > 0 {
		in.Timeout = aws.Int32(int32(s.timeout))
	}
	if len(s.env) > 0 {
		in.Environment = &types.Environment{Variables: s.env}
	}
	if _, err := client.CreateFunction(ctx, in); err != nil {
		return err
	}
	return waitUpdated(ctx, client, name)
}

func update(ctx context.Context, client *lambda.Client, name string, zipped []byte, s functionSettings) error {
	if err := waitUpdated(ctx, client, name); err != nil {
		return err
	}
	if _, err := client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String(name), ZipFile: zipped}); err != nil {
		return err
	}
	if err := waitUpdated(ctx, client, name); err != nil {
		return err
	}
	in := &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String(name)}
	changed := false
	if s.runtime != "" {
		in.Runtime, changed = types.Runtime(s.runtime), true
	}
	if s.handler != "" {
		in.Handler, changed = aws.String(s.handler), true
	}
	if s.memory > 0 {
		in.MemorySize, changed = aws.Int32(int32(s.memory)), true
	}
	if s.timeout > 0 {
		in.Timeout, changed = aws.Int32(int32(s.timeout)), true
	}
	if len(s.env) > 0 {
		in.Environment, changed = &types.Environment{Variables: s.env}, true
	}
	if !changed {
		return nil
	}
	if _, err := client.UpdateFunctionConfiguration(ctx, in); err != nil {
		return err
	}
	return waitUpdated(ctx, client, name)
}

// readPackage returns the zip at path, or a zip of the folder at path.
func readPackage(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return os.ReadFile(path)
	}
	return zipFolder(path)
}

// zipFolder zips a folder reproducibly: sorted entries, fixed times, Unix
// modes kept (a custom runtime's bootstrap must stay executable).
func zipFolder(root string) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	epoch := time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		hdr, err := zip.FileInfoHeader(info)
		if err != nil {
			return err
		}
		hdr.Name, hdr.Method, hdr.Modified = filepath.ToSlash(rel), zip.Deflate, epoch
		w, err := zw.CreateHeader(hdr)
		if err != nil {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(w, f)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("zip %s: %w", root, err)
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
