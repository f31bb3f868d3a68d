package server_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// versioned creates name with three published versions.
func versioned(t *testing.T, n *nubo, name string) {
	t.Helper()
	n.createNamed(t, name)
	for i := 1; i <= 3; i++ {
		n.updateCode(t, name, bootstrapZip(t, fmt.Sprint(name, i)))
		if v := n.publish(t, name); v != fmt.Sprint(i) {
			t.Fatalf("publish: got version %s, want %d", v, i)
		}
	}
}

func weights(w map[string]float64) *types.AliasRoutingConfiguration {
	return &types.AliasRoutingConfiguration{AdditionalVersionWeights: w}
}

func TestAliasLifecycle(t *testing.T) {
	n := sharedNubo(t)
	ctx := context.Background()
	versioned(t, n, "aliased")

	live, err := n.client.CreateAlias(ctx, &lambda.CreateAliasInput{
		FunctionName: aws.String("aliased"), Name: aws.String("live"), FunctionVersion: aws.String("1"),
		Description: aws.String("production"), RoutingConfig: weights(map[string]float64{"2": 0.3}),
	})
	if err != nil {
		t.Fatal(err)
	}
	checkString(t, "AliasArn", aws.ToString(live.AliasArn), n.arn("aliased")+":live")
	checkString(t, "Name", aws.ToString(live.Name), "live")
	checkString(t, "FunctionVersion", aws.ToString(live.FunctionVersion), "1")
	checkString(t, "Description", aws.ToString(live.Description), "production")
	checkString(t, "RoutingConfig", fmt.Sprint(live.RoutingConfig.AdditionalVersionWeights), "map[2:0.3]")
	if aws.ToString(live.RevisionId) == "" {
		t.Error("no RevisionId")
	}

	got, err := n.client.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: aws.String("aliased"), Name: aws.String("live")})
	if err != nil {
		t.Fatal(err)
	}
	checkString(t, "GetAlias RevisionId", aws.ToString(got.RevisionId), aws.ToString(live.RevisionId))
	checkString(t, "GetAlias RoutingConfig", fmt.Sprint(got.RoutingConfig.AdditionalVersionWeights), "map[2:0.3]")

	// The function can be named by its alias.
	cfg, err := n.client.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("aliased:live")})
	if err != nil {
		t.Fatal(err)
	}
	checkString(t, "Version behind the alias", aws.ToString(cfg.Version), "1")

	// UpdateAlias changes what is given and keeps the rest.
	_, err = n.client.UpdateAlias(ctx, &lambda.UpdateAliasInput{FunctionName: aws.String("aliased"), Name: aws.String("live"), FunctionVersion: aws.String("2"), RevisionId: aws.String("stale")})
	checkError(t, err, precondition())
	isErr[*types.PreconditionFailedException](t, err)
	upd, err := n.client.UpdateAlias(ctx, &lambda.UpdateAliasInput{
		FunctionName: aws.String("aliased"), Name: aws.String("live"), FunctionVersion: aws.String("2"),
		RoutingConfig: weights(map[string]float64{"3": 0.1}), RevisionId: live.RevisionId,
	})
	if err != nil {
		t.Fatal(err)
	}
	checkString(t, "updated FunctionVersion", aws.ToString(upd.FunctionVersion), "2")
	checkString(t, "kept Description", aws.ToString(upd.Description), "production")
	checkString(t, "updated RoutingConfig", fmt.Sprint(upd.RoutingConfig.AdditionalVersionWeights), "map[3:0.1]")
	if aws.ToString(upd.RevisionId) == aws.ToString(live.RevisionId) {
		t.Error("RevisionId did not change")
	}
	// An empty routing configuration removes the routing.
	upd, err = n.client.UpdateAlias(ctx, &lambda.UpdateAliasInput{FunctionName: aws.String("aliased"), Name: aws.String("live"), RoutingConfig: weights(map[string]float64{})})
	if err != nil {
		t.Fatal(err)
	}
	if upd.RoutingConfig != nil && len(upd.RoutingConfig.AdditionalVersionWeights) > 0 {
		t.Errorf("RoutingConfig after clearing: %v", upd.RoutingConfig.AdditionalVersionWeights)
	}

	// ListAliases: all of them, by version, and in pages.
	for _, a := range []struct{ name, version string }{{"beta", "3"}, {"canary", "3"}, {"dev", "$LATEST"}} {
		if _, err := n.client.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("aliased"), Name: aws.String(a.name), FunctionVersion: aws.String(a.version)}); err != nil {
			t.Fatal(err)
		}
	}
	listNames := func(in *lambda.ListAliasesInput) []string {
		t.Helper()
		in.FunctionName = aws.String("aliased")
		var names []string
		p := lambda.NewListAliasesPaginator(n.client, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range page.Aliases {
				names = append(names, aws.ToString(a.Name))
			}
		}
		return names
	}
	for _, tt := range []struct {
		in   *lambda.ListAliasesInput
		want []string
	}{
		{&lambda.ListAliasesInput{}, []string{"beta", "canary", "dev", "live"}},
		{&lambda.ListAliasesInput{MaxItems: aws.Int32(1)}, []string{"beta", "canary", "dev", "live"}},
		{&lambda.ListAliasesInput{FunctionVersion: aws.String("3")}, []string{"beta", "canary"}},
		{&lambda.ListAliasesInput{FunctionVersion: aws.String("$LATEST")}, []string{"dev"}},
		{&lambda.ListAliasesInput{FunctionVersion: aws.String("1")}, nil},
	} {
		if got := listNames(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("ListAliases(FunctionVersion %q, MaxItems %d): got %v, want %v", aws.ToString(tt.in.FunctionVersion), aws.ToInt32(tt.in.MaxItems), got, tt.want)
		}
	}

	if _, err := n.client.DeleteAlias(ctx, &lambda.DeleteAliasInput{FunctionName: aws.String("aliased"), Name: aws.String("canary")}); err != nil {
		t.Fatal(err)
	}
	_, err = n.client.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: aws.String("aliased"), Name: aws.String("canary")})
	checkError(t, err, notFound("Cannot find alias arn: "+n.arn("aliased")+":canary"))
	_, err = n.client.DeleteAlias(ctx, &lambda.DeleteAliasInput{FunctionName: aws.String("aliased"), Name: aws.String("canary")})
	checkError(t, err, notFound("Cannot find alias arn: "+n.arn("aliased")+":canary"))
	if got := listNames(&lambda.ListAliasesInput{}); !slices.Equal(got, []string{"beta", "dev", "live"}) {
		t.Errorf("aliases after deleting canary: %v", got)
	}
}

func TestAliasValidation(t *testing.T) {
	n := sharedNubo(t)
	ctx := context.Background()
	versioned(t, n, "routed")
	if _, err := n.client.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("routed"), Name: aws.String("live"), FunctionVersion: aws.String("1")}); err != nil {
		t.Fatal(err)
	}
	const weightConstraint = "Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]"
	tests := []struct {
		name string
		in   *lambda.CreateAliasInput
		want apiError
	}{
		{"existing alias", &lambda.CreateAliasInput{Name: aws.String("live"), FunctionVersion: aws.String("2")},
			conflict("Alias already exists: " + n.arn("routed") + ":live")},
		{"missing function", &lambda.CreateAliasInput{FunctionName: aws.String("nope"), Name: aws.String("a"), FunctionVersion: aws.String("1")},
			notFound("Function not found: " + n.arn("nope"))},
		{"missing version", &lambda.CreateAliasInput{Name: aws.String("a"), FunctionVersion: aws.String("9")},
			notFound("Function not found: " + n.arn("routed") + ":9")},
		{"all-digit name", &lambda.CreateAliasInput{Name: aws.String("123"), FunctionVersion: aws.String("1")},
			oneValidation("123", "name", "Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)")},
		{"version that is no version", &lambda.CreateAliasInput{Name: aws.String("a"), FunctionVersion: aws.String("live")},
			oneValidation("live", "functionVersion", `Member must satisfy regular expression pattern: (\$LATEST|[0-9]+)`)},
		{"weight above 1", &lambda.CreateAliasInput{Name: aws.String("a"), FunctionVersion: aws.String("1"), RoutingConfig: weights(map[string]float64{"2": 1.5})},
			validation("1 validation error detected: Value '{2=1.5}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: " + weightConstraint)},
		{"negative weight", &lambda.CreateAliasInput{Name: aws.String("a"), FunctionVersion: aws.String("1"), RoutingConfig: weights(map[string]float64{"2": -0.1})},
			validation("1 validation error detected: Value '{2=-0.1}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: " + weightConstraint)},
		{"two extra versions", &lambda.CreateAliasInput{Name: aws.String("a"), FunctionVersion: aws.String("1"), RoutingConfig: weights(map[string]float64{"2": 0.1, "3": 0.1})},
			invalidParam("Number of items in AdditionalVersionWeights cannot be greater than 1")},
		{"extra version is the primary", &lambda.CreateAliasInput{Name: aws.String("a"), FunctionVersion: aws.String("1"), RoutingConfig: weights(map[string]float64{"1": 0.5})},
			invalidParam("Invalid function version 1. Function version 1 is already included in routing configuration.")},
		{"routing from $LATEST", &lambda.CreateAliasInput{Name: aws.String("a"), FunctionVersion: aws.String("$LATEST"), RoutingConfig: weights(map[string]float64{"2": 0.5})},
			invalidParam("$LATEST is not supported for an alias pointing to more than 1 version")},
		{"routing to $LATEST", &lambda.CreateAliasInput{Name: aws.String("a"), FunctionVersion: aws.String("1"), RoutingConfig: weights(map[string]float64{"$LATEST": 0.5})},
			validation("1 validation error detected: Value '{$LATEST=0.5}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+, Member must not be null]")},
		{"routing to a missing version", &lambda.CreateAliasInput{Name: aws.String("a"), FunctionVersion: aws.String("1"), RoutingConfig: weights(map[string]float64{"7": 0.5})},
			notFound("Function not found: " + n.arn("routed") + ":7")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.in.FunctionName == nil {
				tt.in.FunctionName = aws.String("routed")
			}
			_, err := n.client.CreateAlias(ctx, tt.in)
			checkError(t, err, tt.want)
			switch tt.want.code {
			case "ResourceConflictException":
				isErr[*types.ResourceConflictException](t, err)
			case "InvalidParameterValueException":
				isErr[*types.InvalidParameterValueException](t, err)
			case "ResourceNotFoundException":
				isErr[*types.ResourceNotFoundException](t, err)
			}
		})
	}

	// UpdateAlias applies the same rules to the alias as it would become.
	for _, tt := range []struct {
		name string
		in   *lambda.UpdateAliasInput
		want apiError
	}{
		{"missing alias", &lambda.UpdateAliasInput{Name: aws.String("nope"), FunctionVersion: aws.String("2")},
			notFound("Cannot find alias arn: " + n.arn("routed") + ":nope")},
		{"missing version", &lambda.UpdateAliasInput{Name: aws.String("live"), FunctionVersion: aws.String("8")},
			notFound("Function not found: " + n.arn("routed") + ":8")},
		{"routing to its own version", &lambda.UpdateAliasInput{Name: aws.String("live"), RoutingConfig: weights(map[string]float64{"1": 0.2})},
			invalidParam("Invalid function version 1. Function version 1 is already included in routing configuration.")},
		{"weight of 1", &lambda.UpdateAliasInput{Name: aws.String("live"), RoutingConfig: weights(map[string]float64{"2": 1})},
			validation("1 validation error detected: Value '{2=1}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: " + weightConstraint)},
	} {
		t.Run("update "+tt.name, func(t *testing.T) {
			tt.in.FunctionName = aws.String("routed")
			_, err := n.client.UpdateAlias(ctx, tt.in)
			checkError(t, err, tt.want)
		})
	}

	// A version an alias routes to cannot be deleted.
	if _, err := n.client.UpdateAlias(ctx, &lambda.UpdateAliasInput{FunctionName: aws.String("routed"), Name: aws.String("live"), RoutingConfig: weights(map[string]float64{"3": 0.25})}); err != nil {
		t.Fatal(err)
	}
	_, err := n.client.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("routed"), Qualifier: aws.String("3")})
	checkError(t, err, conflict("Unable to delete version because the following aliases reference it: [live]"))
	if _, err := n.client.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("routed"), Qualifier: aws.String("2")}); err != nil {
		t.Errorf("delete version 2 that no alias uses: %v", err)
	}
}
