package server_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

func TestPublishVersion(t *testing.T) {
	n := sharedNubo(t)
	ctx := context.Background()
	created := n.createNamed(t, "pub")

	v1, err := n.client.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String("pub"), Description: aws.String("first")})
	if err != nil {
		t.Fatal(err)
	}
	checkString(t, "Version", aws.ToString(v1.Version), "1")
	checkString(t, "FunctionArn", aws.ToString(v1.FunctionArn), n.arn("pub")+":1")
	checkString(t, "Description", aws.ToString(v1.Description), "first")
	checkString(t, "CodeSha256", aws.ToString(v1.CodeSha256), aws.ToString(created.CodeSha256))
	checkString(t, "State", string(v1.State), "Active")
	if !lastModifiedRE.MatchString(aws.ToString(v1.LastModified)) {
		t.Errorf("LastModified %q is not in AWS's format", aws.ToString(v1.LastModified))
	}

	// Publishing an unchanged $LATEST returns the version that has it.
	again, err := n.client.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String("pub")})
	if err != nil {
		t.Fatal(err)
	}
	checkString(t, "Version of an unchanged $LATEST", aws.ToString(again.Version), "1")
	checkString(t, "RevisionId of an unchanged $LATEST", aws.ToString(again.RevisionId), aws.ToString(v1.RevisionId))

	// A version keeps its configuration when $LATEST changes.
	if _, err := n.client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("pub"), MemorySize: aws.Int32(512)}); err != nil {
		t.Fatal(err)
	}
	n.waitUpdated(t, "pub")
	latest, err := n.client.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("pub")})
	if err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		name string
		in   *lambda.PublishVersionInput
		want apiError
	}{
		{"CodeSha256 mismatch", &lambda.PublishVersionInput{CodeSha256: aws.String("bm90IHRoZSBoYXNo")},
			invalidParam("CodeSHA256 (bm90IHRoZSBoYXNo) is different from current CodeSHA256 in $LATEST (" + aws.ToString(created.CodeSha256) + "). Please try again with the CodeSHA256 in $LATEST.")},
		{"stale RevisionId", &lambda.PublishVersionInput{RevisionId: created.RevisionId}, precondition()},
		{"description of 257 characters", &lambda.PublishVersionInput{Description: aws.String(strings.Repeat("d", 257))},
			oneValidation(strings.Repeat("d", 257), "description", "Member must have length less than or equal to 256")},
		{"missing function", &lambda.PublishVersionInput{FunctionName: aws.String("nope")}, notFound("Function not found: " + n.arn("nope"))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.in.FunctionName == nil {
				tt.in.FunctionName = aws.String("pub")
			}
			_, err := n.client.PublishVersion(ctx, tt.in)
			checkError(t, err, tt.want)
			if tt.want.code == "InvalidParameterValueException" {
				isErr[*types.InvalidParameterValueException](t, err)
			}
		})
	}

	v2, err := n.client.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String("pub"), CodeSha256: latest.CodeSha256, RevisionId: latest.RevisionId})
	if err != nil {
		t.Fatal(err)
	}
	checkString(t, "second Version", aws.ToString(v2.Version), "2")
	for version, memory := range map[string]int32{"1": 128, "2": 512} {
		cfg, err := n.client.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("pub"), Qualifier: aws.String(version)})
		if err != nil {
			t.Fatal(err)
		}
		if got := aws.ToInt32(cfg.MemorySize); got != memory {
			t.Errorf("MemorySize of version %s: got %d, want %d", version, got, memory)
		}
	}

	// Publish on create makes version 1 at once.
	in := createInput(t, "pub-on-create")
	in.Publish = true
	out, err := n.client.CreateFunction(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	checkString(t, "Version published on create", aws.ToString(out.Version), "1")
	n.waitActive(t, "pub-on-create")
	w := lambda.NewPublishedVersionActiveWaiter(n.client, func(o *lambda.PublishedVersionActiveWaiterOptions) {
		o.MinDelay, o.MaxDelay = fastWait, fastWait*10
	})
	if err := w.Wait(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("pub-on-create"), Qualifier: aws.String("1")}, waitLimit); err != nil {
		t.Fatalf("version 1 published on create is not Active: %v", err)
	}
}

func TestListVersionsByFunction(t *testing.T) {
	n := sharedNubo(t)
	ctx := context.Background()
	n.createNamed(t, "many")
	// Eleven versions: 10 must sort after 9, not after 1.
	for i := 1; i <= 11; i++ {
		if _, err := n.client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{
			FunctionName: aws.String("many"), Description: aws.String(fmt.Sprint("change ", i)),
		}); err != nil {
			t.Fatal(err)
		}
		n.waitUpdated(t, "many")
		if v := n.publish(t, "many"); v != fmt.Sprint(i) {
			t.Fatalf("publish %d: got version %s", i, v)
		}
	}
	want := []string{"$LATEST", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"}

	out, err := n.client.ListVersionsByFunction(ctx, &lambda.ListVersionsByFunctionInput{FunctionName: aws.String("many")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range out.Versions {
		got = append(got, aws.ToString(v.Version))
		if wantArn := n.arn("many") + ":" + aws.ToString(v.Version); aws.ToString(v.FunctionArn) != wantArn {
			t.Errorf("FunctionArn of %s: got %s, want %s", aws.ToString(v.Version), aws.ToString(v.FunctionArn), wantArn)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("versions: got %v, want %v", got, want)
	}
	if out.Versions[3].Description == nil || aws.ToString(out.Versions[3].Description) != "change 3" {
		t.Errorf("version 3's Description: got %q, want %q", aws.ToString(out.Versions[3].Description), "change 3")
	}

	got = nil
	p := lambda.NewListVersionsByFunctionPaginator(n.client, &lambda.ListVersionsByFunctionInput{FunctionName: aws.String("many"), MaxItems: aws.Int32(5)})
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, v := range page.Versions {
			got = append(got, aws.ToString(v.Version))
		}
	}
	if !slices.Equal(got, want) || pages != 3 {
		t.Errorf("paged versions: got %v in %d pages, want %v in 3", got, pages, want)
	}

	_, err = n.client.ListVersionsByFunction(ctx, &lambda.ListVersionsByFunctionInput{FunctionName: aws.String("nope")})
	checkError(t, err, notFound("Function not found: "+n.arn("nope")))
	_, err = n.client.ListVersionsByFunction(ctx, &lambda.ListVersionsByFunctionInput{FunctionName: aws.String("many"), MaxItems: aws.Int32(0)})
	checkError(t, err, oneValidation(0, "maxItems", "Member must have value greater than or equal to 1"))
}
