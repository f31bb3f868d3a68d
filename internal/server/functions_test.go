package server_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// lastModifiedRE is AWS's LastModified format: YYYY-MM-DDThh:mm:ss.sss+0000.
var lastModifiedRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$`)

func TestCreateFunction(t *testing.T) {
	n := sharedNubo(t)
	ctx := context.Background()
	zipped := bootstrapZip(t, "hello")
	in := &lambda.CreateFunctionInput{
		FunctionName:  aws.String("hello"),
		Role:          aws.String(role),
		Runtime:       types.RuntimePython312,
		Handler:       aws.String("app.handler"),
		Description:   aws.String("says hello"),
		MemorySize:    aws.Int32(256),
		Timeout:       aws.Int32(30),
		Architectures: []types.Architecture{types.ArchitectureArm64},
		Environment:   &types.Environment{Variables: map[string]string{"GREETING": "hi"}},
		Code:          &types.FunctionCode{ZipFile: zipped},
		Tags:          map[string]string{"team": "core"},
	}
	out, err := n.client.CreateFunction(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToString(out.CodeSha256), sha256b64(zipped); got != want {
		t.Errorf("CodeSha256: got %s, want base64(sha256(zip)) %s", got, want)
	}
	checkString(t, "FunctionName", aws.ToString(out.FunctionName), "hello")
	checkString(t, "FunctionArn", aws.ToString(out.FunctionArn), n.arn("hello"))
	checkString(t, "Runtime", string(out.Runtime), "python3.12")
	checkString(t, "Handler", aws.ToString(out.Handler), "app.handler")
	checkString(t, "Role", aws.ToString(out.Role), role)
	checkString(t, "Description", aws.ToString(out.Description), "says hello")
	checkString(t, "Version", aws.ToString(out.Version), "$LATEST")
	checkString(t, "PackageType", string(out.PackageType), "Zip")
	checkString(t, "State", string(out.State), "Pending")
	checkString(t, "StateReasonCode", string(out.StateReasonCode), "Creating")
	checkString(t, "Environment", fmt.Sprint(out.Environment.Variables), "map[GREETING:hi]")
	if got := aws.ToInt64(&out.CodeSize); got != int64(len(zipped)) {
		t.Errorf("CodeSize: got %d, want %d", got, len(zipped))
	}
	if aws.ToInt32(out.MemorySize) != 256 || aws.ToInt32(out.Timeout) != 30 {
		t.Errorf("MemorySize, Timeout: got %d, %d, want 256, 30", aws.ToInt32(out.MemorySize), aws.ToInt32(out.Timeout))
	}
	if !slices.Equal(out.Architectures, []types.Architecture{types.ArchitectureArm64}) {
		t.Errorf("Architectures: got %v, want [arm64]", out.Architectures)
	}
	if !lastModifiedRE.MatchString(aws.ToString(out.LastModified)) {
		t.Errorf("LastModified %q is not in AWS's format", aws.ToString(out.LastModified))
	}
	if aws.ToString(out.RevisionId) == "" {
		t.Error("no RevisionId")
	}

	n.waitActive(t, "hello")
	cfg, err := n.client.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("hello")})
	if err != nil {
		t.Fatal(err)
	}
	checkString(t, "State after waiting", string(cfg.State), "Active")
	checkString(t, "LastUpdateStatus after waiting", string(cfg.LastUpdateStatus), "Successful")

	_, err = n.client.CreateFunction(ctx, in)
	checkError(t, err, conflict("Function already exist: hello"))
	isErr[*types.ResourceConflictException](t, err)
}

func TestCreateFunctionDefaults(t *testing.T) {
	n := sharedNubo(t)
	out := n.createNamed(t, "defaults")
	if aws.ToInt32(out.MemorySize) != 128 || aws.ToInt32(out.Timeout) != 3 {
		t.Errorf("MemorySize, Timeout: got %d, %d, want 128, 3", aws.ToInt32(out.MemorySize), aws.ToInt32(out.Timeout))
	}
	if !slices.Equal(out.Architectures, []types.Architecture{types.ArchitectureX8664}) {
		t.Errorf("Architectures: got %v, want [x86_64]", out.Architectures)
	}
	if out.EphemeralStorage == nil || aws.ToInt32(out.EphemeralStorage.Size) != 512 {
		t.Errorf("EphemeralStorage: got %+v, want 512", out.EphemeralStorage)
	}
	if out.TracingConfig == nil || out.TracingConfig.Mode != types.TracingModePassThrough {
		t.Errorf("TracingConfig: got %+v, want PassThrough", out.TracingConfig)
	}
	if out.LoggingConfig == nil || aws.ToString(out.LoggingConfig.LogGroup) != "/aws/lambda/defaults" {
		t.Errorf("LoggingConfig: got %+v, want log group /aws/lambda/defaults", out.LoggingConfig)
	}
}

// A function may be named by its ARN, partial ARN or name; the name is the
// ARN's last part.
func TestCreateFunctionByARN(t *testing.T) {
	n := sharedNubo(t)
	for _, name := range []string{n.arn("by-arn"), account + ":function:by-partial-arn"} {
		in := createInput(t, name)
		out := n.create(t, in)
		want := name[len(name)-len("by-partial-arn"):]
		if name == n.arn("by-arn") {
			want = "by-arn"
		}
		checkString(t, "FunctionName", aws.ToString(out.FunctionName), want)
	}
	in := createInput(t, "arn:aws:lambda:eu-west-1:"+account+":function:elsewhere")
	_, err := n.client.CreateFunction(context.Background(), in)
	checkError(t, err, notFound("Functions from 'eu-west-1' are not reachable in this region ('"+n.region+"')"))
}

func TestGetFunction(t *testing.T) {
	n := sharedNubo(t)
	ctx := context.Background()
	in := createInput(t, "getme")
	in.Tags = map[string]string{"k": "v"}
	n.create(t, in)

	out, err := n.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("getme")})
	if err != nil {
		t.Fatal(err)
	}
	checkString(t, "Configuration.FunctionArn", aws.ToString(out.Configuration.FunctionArn), n.arn("getme"))
	checkString(t, "Code.RepositoryType", aws.ToString(out.Code.RepositoryType), "S3")
	checkString(t, "Tags", fmt.Sprint(out.Tags), "map[k:v]")
	if out.Concurrency != nil {
		t.Errorf("Concurrency: got %+v, want none", out.Concurrency)
	}
	got := download(t, aws.ToString(out.Code.Location))
	if !bytes.Equal(got, in.Code.ZipFile) {
		t.Errorf("Code.Location served %d bytes, not the %d-byte zip that was uploaded", len(got), len(in.Code.ZipFile))
	}

	// Every way of naming the function finds it.
	for _, name := range []string{n.arn("getme"), account + ":function:getme", "getme:$LATEST", n.arn("getme") + ":$LATEST"} {
		out, err := n.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(name)})
		if err != nil {
			t.Errorf("GetFunction %s: %v", name, err)
			continue
		}
		checkString(t, "FunctionName of "+name, aws.ToString(out.Configuration.FunctionName), "getme")
	}
	out, err = n.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("getme"), Qualifier: aws.String("$LATEST")})
	if err != nil {
		t.Fatal(err)
	}
	checkString(t, "qualified FunctionArn", aws.ToString(out.Configuration.FunctionArn), n.arn("getme")+":$LATEST")

	tests := []struct {
		name, qualifier string
		want            apiError
	}{
		{"missing", "", notFound("Function not found: " + n.arn("missing"))},
		{"missing", "3", notFound("Function not found: " + n.arn("missing") + ":3")},
		{"getme", "7", notFound("Function not found: " + n.arn("getme") + ":7")},
		{"getme", "nosuchalias", notFound("")},
		{"getme:1", "2", invalidParam("The derived qualifier from the function name does not match the specified qualifier.")},
		// Another account's function: no resource policy lets this one in.
		{"arn:aws:lambda:us-east-1:123456789012:function:getme", "", apiError{code: "AccessDeniedException", status: 403,
			message: "User: arn:aws:iam::000000000000:root is not authorized to perform: lambda:GetFunction on resource: arn:aws:lambda:us-east-1:123456789012:function:getme because no resource-based policy allows the lambda:GetFunction action"}},
		{"bad name!", "", validation("")},
		{"getme", "bad qualifier", validation("")},
	}
	for _, tt := range tests {
		t.Run(tt.name+":"+tt.qualifier, func(t *testing.T) {
			in := &lambda.GetFunctionInput{FunctionName: aws.String(tt.name)}
			if tt.qualifier != "" {
				in.Qualifier = aws.String(tt.qualifier)
			}
			_, err := n.client.GetFunction(ctx, in)
			checkError(t, err, tt.want)
		})
	}
	_, err = n.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("missing")})
	isErr[*types.ResourceNotFoundException](t, err)
}

func TestGetFunctionConfiguration(t *testing.T) {
	n := sharedNubo(t)
	ctx := context.Background()
	n.createNamed(t, "conf")
	v1 := n.publish(t, "conf")
	if _, err := n.client.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("conf"), Name: aws.String("live"), FunctionVersion: aws.String(v1)}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		qualifier   string
		wantArn     string
		wantVersion string
	}{
		{"", n.arn("conf"), "$LATEST"},
		{"$LATEST", n.arn("conf") + ":$LATEST", "$LATEST"},
		{"1", n.arn("conf") + ":1", "1"},
		{"live", n.arn("conf") + ":live", "1"},
	}
	for _, tt := range tests {
		in := &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("conf")}
		if tt.qualifier != "" {
			in.Qualifier = aws.String(tt.qualifier)
		}
		out, err := n.client.GetFunctionConfiguration(ctx, in)
		if err != nil {
			t.Errorf("qualifier %q: %v", tt.qualifier, err)
			continue
		}
		checkString(t, "FunctionArn of "+tt.qualifier, aws.ToString(out.FunctionArn), tt.wantArn)
		checkString(t, "Version of "+tt.qualifier, aws.ToString(out.Version), tt.wantVersion)
	}
	_, err := n.client.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("conf:2")})
	checkError(t, err, notFound("Function not found: "+n.arn("conf")+":2"))
}

func TestListFunctions(t *testing.T) {
	n := sharedNubo(t)
	ctx := context.Background()
	out, err := n.client.ListFunctions(ctx, &lambda.ListFunctionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Functions) != 0 || out.NextMarker != nil {
		t.Fatalf("empty nubo lists %d functions, marker %v", len(out.Functions), out.NextMarker)
	}
	var want []string
	for i := range 7 {
		name := fmt.Sprintf("fn-%02d", i)
		want = append(want, name)
		n.createNamed(t, name)
	}
	n.publish(t, "fn-03")
	n.updateCode(t, "fn-03", bootstrapZip(t, "v2"))
	n.publish(t, "fn-03")

	// Pages of 3 follow one another without gaps or repeats.
	var got []string
	var marker *string
	pages := 0
	for {
		out, err := n.client.ListFunctions(ctx, &lambda.ListFunctionsInput{MaxItems: aws.Int32(3), Marker: marker})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(out.Functions) > 3 {
			t.Fatalf("page of %d functions, want at most 3", len(out.Functions))
		}
		for _, f := range out.Functions {
			got = append(got, aws.ToString(f.FunctionName))
			if f.State != "" || f.LastUpdateStatus != "" {
				t.Errorf("ListFunctions shows State %q, LastUpdateStatus %q; AWS leaves them to GetFunction", f.State, f.LastUpdateStatus)
			}
		}
		if marker = out.NextMarker; marker == nil {
			break
		}
	}
	if !slices.Equal(got, want) || pages != 3 {
		t.Errorf("paged listing: got %v in %d pages, want %v in 3", got, pages, want)
	}

	// The SDK's paginator sees the same.
	got = nil
	p := lambda.NewListFunctionsPaginator(n.client, &lambda.ListFunctionsInput{MaxItems: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range page.Functions {
			got = append(got, aws.ToString(f.FunctionName))
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("paginator: got %v, want %v", got, want)
	}

	all, err := n.client.ListFunctions(ctx, &lambda.ListFunctionsInput{FunctionVersion: types.FunctionVersionAll, MaxItems: aws.Int32(50)})
	if err != nil {
		t.Fatal(err)
	}
	var arns []string
	for _, f := range all.Functions {
		if aws.ToString(f.FunctionName) == "fn-03" {
			arns = append(arns, aws.ToString(f.FunctionArn))
		}
	}
	wantArns := []string{n.arn("fn-03") + ":$LATEST", n.arn("fn-03") + ":1", n.arn("fn-03") + ":2"}
	if !slices.Equal(arns, wantArns) || len(all.Functions) != 9 {
		t.Errorf("FunctionVersion=ALL: got %d entries, fn-03 as %v; want 9 entries, fn-03 as %v", len(all.Functions), arns, wantArns)
	}

	for i, tt := range []struct {
		in   *lambda.ListFunctionsInput
		want apiError
	}{
		{&lambda.ListFunctionsInput{MaxItems: aws.Int32(0)}, validation("1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1")},
		{&lambda.ListFunctionsInput{MaxItems: aws.Int32(10001)}, validation("1 validation error detected: Value '10001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 10000")},
		{&lambda.ListFunctionsInput{FunctionVersion: "SOME"}, validation("1 validation error detected: Value 'SOME' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]")},
		{&lambda.ListFunctionsInput{Marker: aws.String("!!not a marker")}, invalidParam("Invalid pagination token: !!not a marker")},
	} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			_, err := n.client.ListFunctions(ctx, tt.in)
			checkError(t, err, tt.want)
		})
	}
}

func TestDeleteFunction(t *testing.T) {
	n := sharedNubo(t)
	ctx := context.Background()
	n.createNamed(t, "doomed")
	v1 := n.publish(t, "doomed")
	n.updateCode(t, "doomed", bootstrapZip(t, "doomed, second"))
	v2 := n.publish(t, "doomed")
	if _, err := n.client.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("doomed"), Name: aws.String("live"), FunctionVersion: aws.String(v2)}); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		qualifier string
		want      apiError
	}{
		{"$LATEST", invalidParam("$LATEST version cannot be deleted without deleting the function.")},
		{"live", invalidParam("Deletion of aliases is not supported by DeleteFunction; use DeleteAlias.")},
		{v2, conflict("Unable to delete version because the following aliases reference it: [live]")},
		{"9", notFound("Function not found: " + n.arn("doomed") + ":9")},
	} {
		_, err := n.client.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("doomed"), Qualifier: aws.String(tt.qualifier)})
		checkError(t, err, tt.want)
	}

	// Deleting one version leaves the rest.
	if _, err := n.client.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("doomed"), Qualifier: aws.String(v1)}); err != nil {
		t.Fatal(err)
	}
	_, err := n.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("doomed"), Qualifier: aws.String(v1)})
	checkError(t, err, notFound("Function not found: "+n.arn("doomed")+":"+v1))
	if _, err := n.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("doomed"), Qualifier: aws.String(v2)}); err != nil {
		t.Errorf("version %s went with version %s: %v", v2, v1, err)
	}

	// Deleting the function takes versions, aliases and code with it.
	got, err := n.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("doomed")})
	if err != nil {
		t.Fatal(err)
	}
	location := aws.ToString(got.Code.Location)
	if _, err := n.client.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String(n.arn("doomed"))}); err != nil {
		t.Fatal(err)
	}
	_, err = n.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("doomed")})
	checkError(t, err, notFound("Function not found: "+n.arn("doomed")))
	_, err = n.client.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("doomed")})
	checkError(t, err, notFound("Function not found: "+n.arn("doomed")))
	resp, err := http.Get(location)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("code of a deleted function: got status %d, want 404", resp.StatusCode)
	}

	// A new function of the same name starts from nothing.
	n.createNamed(t, "doomed")
	versions, err := n.client.ListVersionsByFunction(ctx, &lambda.ListVersionsByFunctionInput{FunctionName: aws.String("doomed")})
	if err != nil {
		t.Fatal(err)
	}
	if len(versions.Versions) != 1 {
		t.Errorf("recreated function has %d versions, want only $LATEST", len(versions.Versions))
	}
	aliases, err := n.client.ListAliases(ctx, &lambda.ListAliasesInput{FunctionName: aws.String("doomed")})
	if err != nil {
		t.Fatal(err)
	}
	if len(aliases.Aliases) != 0 {
		t.Errorf("recreated function has aliases %v", aliases.Aliases)
	}
	if v := n.publish(t, "doomed"); v != "1" {
		t.Errorf("first version of the recreated function: got %s, want 1", v)
	}
}

func checkString(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s: got %q, want %q", what, got, want)
	}
}
