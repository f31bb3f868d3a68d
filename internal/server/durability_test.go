package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// snapshot is everything the API shows of a function, code bytes included.
type snapshot struct {
	Configs      map[string]*types.FunctionConfiguration // by qualifier
	Code         map[string][]byte                       // by qualifier
	Aliases      []types.AliasConfiguration
	Tags         map[string]string
	Reserved     *int32
	VersionCount int
}

func takeSnapshot(t *testing.T, n *nubo, name string, qualifiers ...string) snapshot {
	t.Helper()
	ctx := context.Background()
	s := snapshot{Configs: map[string]*types.FunctionConfiguration{}, Code: map[string][]byte{}}
	for _, q := range append([]string{"$LATEST"}, qualifiers...) {
		out, err := n.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(name), Qualifier: aws.String(q)})
		if err != nil {
			t.Fatalf("GetFunction %s:%s: %v", name, q, err)
		}
		s.Configs[q] = out.Configuration
		s.Code[q] = download(t, aws.ToString(out.Code.Location))
		if q == "$LATEST" {
			s.Tags = out.Tags
			if out.Concurrency != nil {
				s.Reserved = out.Concurrency.ReservedConcurrentExecutions
			}
		}
	}
	aliases, err := n.client.ListAliases(ctx, &lambda.ListAliasesInput{FunctionName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	s.Aliases = aliases.Aliases
	versions, err := n.client.ListVersionsByFunction(ctx, &lambda.ListVersionsByFunctionInput{FunctionName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	s.VersionCount = len(versions.Versions)
	return s
}

// asJSON renders v for comparison and for readable failures.
func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Everything survives a stop and a start on the same data directory.
func TestRestartKeepsState(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	n := startNubo(t, dir)

	in := createInput(t, "durable")
	in.Tags = map[string]string{"team": "core"}
	in.Environment = &types.Environment{Variables: map[string]string{"GREETING": "hello"}}
	n.create(t, in)
	n.publish(t, "durable")
	second := makeZip(t, "bootstrap", "#!/bin/sh\necho two\n", "data/blob.bin", string(bytes.Repeat([]byte{0, 1, 2, 3, 255}, 20000)))
	n.updateCode(t, "durable", second)
	if _, err := n.client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("durable"), MemorySize: aws.Int32(777), Timeout: aws.Int32(42)}); err != nil {
		t.Fatal(err)
	}
	n.waitUpdated(t, "durable")
	n.publish(t, "durable")
	if _, err := n.client.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("durable"), Name: aws.String("live"), FunctionVersion: aws.String("1"),
		Description: aws.String("weighted"), RoutingConfig: weights(map[string]float64{"2": 0.25})}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.client.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("durable"), Name: aws.String("edge"), FunctionVersion: aws.String("$LATEST")}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.client.TagResource(ctx, &lambda.TagResourceInput{Resource: aws.String(fnARN("durable")), Tags: map[string]string{"env": "prod"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.client.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("durable"), ReservedConcurrentExecutions: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	n.createNamed(t, "plain")
	// Created just before the stop: it may still be Pending when nubo stops,
	// and must become Active after the start all the same.
	if _, err := n.client.CreateFunction(ctx, createInput(t, "last-minute")); err != nil {
		t.Fatal(err)
	}

	before := takeSnapshot(t, n, "durable", "1", "2", "live", "edge")
	plainBefore := takeSnapshot(t, n, "plain")
	settingsBefore, err := n.client.GetAccountSettings(ctx, &lambda.GetAccountSettingsInput{})
	if err != nil {
		t.Fatal(err)
	}
	n.stop()

	n = startNubo(t, dir)
	n.waitActive(t, "last-minute")
	after := takeSnapshot(t, n, "durable", "1", "2", "live", "edge")
	plainAfter := takeSnapshot(t, n, "plain")
	for q, code := range before.Code {
		if !bytes.Equal(after.Code[q], code) {
			t.Errorf("code of durable:%s: %d bytes after the restart are not the %d bytes from before", q, len(after.Code[q]), len(code))
		}
	}
	if !bytes.Equal(after.Code["$LATEST"], second) {
		t.Error("code of $LATEST is not the zip that was uploaded")
	}
	if got, want := asJSON(t, after), asJSON(t, before); got != want {
		t.Errorf("durable after the restart:\n%s\nwant, as before:\n%s", got, want)
	}
	if got, want := asJSON(t, plainAfter), asJSON(t, plainBefore); got != want {
		t.Errorf("plain after the restart:\n%s\nwant, as before:\n%s", got, want)
	}
	if !maps.Equal(after.Tags, map[string]string{"team": "core", "env": "prod"}) || aws.ToInt32(after.Reserved) != 7 || len(after.Aliases) != 2 || after.VersionCount != 3 {
		t.Errorf("durable lost state: tags %v, reserved %v, %d aliases, %d versions", after.Tags, after.Reserved, len(after.Aliases), after.VersionCount)
	}
	settingsAfter, err := n.client.GetAccountSettings(ctx, &lambda.GetAccountSettingsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := asJSON(t, settingsAfter.AccountUsage), asJSON(t, settingsBefore.AccountUsage); got != want {
		t.Errorf("account usage after the restart: %s, want %s", got, want)
	}

	// The restarted nubo carries on where the first stopped.
	if _, err := n.client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("durable"), Description: aws.String("after")}); err != nil {
		t.Fatal(err)
	}
	n.waitUpdated(t, "durable")
	if v := n.publish(t, "durable"); v != "3" {
		t.Errorf("first version published after the restart: got %s, want 3", v)
	}
	_, err = n.client.CreateFunction(ctx, createInput(t, "durable"))
	checkError(t, err, conflict("Function already exist: durable"))
}
