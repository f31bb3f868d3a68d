package browser_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/chromedp/chromedp"
)

func testTables(t *testing.T, n *nubo, b *browser) {
	ctx := context.Background()
	c := dynamodb.NewFromConfig(n.cfg)
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String("music"), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("artist"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("title"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("artist"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("title"), KeyType: types.KeyTypeRange}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, song := range [][2]string{{"Nina", "Feeling Good"}, {"Nina", "Sinnerman"}, {"Ella", "Summertime"}} {
		_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("music"), Item: map[string]types.AttributeValue{
			"artist": &types.AttributeValueMemberS{Value: song[0]}, "title": &types.AttributeValueMemberS{Value: song[1]},
			"plays": &types.AttributeValueMemberN{Value: "7"}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	b.visit(t, "/tables", `a[href="/_nubo/console/tables/music"]`)
	b.run(t, textIn("main table", "artist (S), title (S)"), click(`a[href="/_nubo/console/tables/music"]`), visible("form.search"),
		click("form.search button[type=submit]"), textIn(".result", "3 items"), textIn(".result table", "Summertime"))
	b.run(t, choose("form.search [name=mode]", "Query"), chromedp.SetValue(chromedp.CSS("form.search [name=pk]"), "Nina"),
		choose("form.search [name=op]", "begins_with"), chromedp.SetValue(chromedp.CSS("form.search [name=sk]"), "F"),
		click("form.search button[type=submit]"), textIn(".result", "1 item,"), textIn(".result table", "Feeling Good"))
	b.shot(t, "table")
	b.clean(t)
}

// testBuckets browses a bucket by folder, uploads by dropping a file and
// by choosing one, shares an object by a presigned link and deletes one.
func testBuckets(t *testing.T, n *nubo, b *browser) {
	ctx := context.Background()
	c := s3.NewFromConfig(n.cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("console-files")}); err != nil {
		t.Fatal(err)
	}
	for key, body := range map[string]string{"docs/readme.txt": "hello from the bucket", "top.txt": "top"} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("console-files"), Key: aws.String(key), Body: strings.NewReader(body)}); err != nil {
			t.Fatal(err)
		}
	}
	b.visit(t, "/buckets", `a[href="/_nubo/console/buckets/console-files"]`)
	docs := `a[href="/_nubo/console/buckets/console-files?prefix=docs%2F"]`
	b.run(t, click(`a[href="/_nubo/console/buckets/console-files"]`), textIn("main table", "top.txt"), click(docs),
		textIn("main table", "readme.txt"), until(`document.querySelector("main table")?.textContent.includes("top.txt") === false`))
	// A file dropped on the zone, and one chosen with the file input.
	b.run(t, chromedp.Evaluate[chromedp.Void](`(() => { const dt = new DataTransfer();
		dt.items.add(new File(["dropped in the browser"], "dropped.txt", { type: "text/plain" }));
		document.querySelector(".drop").dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true })); })()`),
		textIn(".result", "Uploaded dropped.txt."), textIn("main table", "dropped.txt"))
	chosen := filepath.Join(t.TempDir(), "chosen.txt")
	if err := os.WriteFile(chosen, []byte("chosen in the browser"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.run(t, chromedp.SetUploadFiles(chromedp.CSS(".drop input[type=file]"), []string{chosen}),
		textIn(".result", "Uploaded chosen.txt."), textIn("main table", "chosen.txt"))
	for key, want := range map[string]string{"docs/dropped.txt": "dropped in the browser", "docs/chosen.txt": "chosen in the browser"} {
		if got := objectText(t, c, key); got != want {
			t.Errorf("%s holds %q, want %q", key, got, want)
		}
	}
	if got := string(b.download(t, click(`button[aria-label="Download dropped.txt"]`))); got != "dropped in the browser" {
		t.Errorf("the browser downloaded %q", got)
	}
	// A presigned link works without credentials.
	b.run(t, click(`button[aria-label="Presign a link to readme.txt"]`), click(".result form button[type=submit]"), visible("input.presigned"))
	link := value(t, b, chromedp.Value(chromedp.CSS("input.presigned")))
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "hello from the bucket" {
		t.Errorf("the presigned link got HTTP %d: %q", resp.StatusCode, body)
	}
	b.shot(t, "bucket")
	b.run(t, click(`button[aria-label="Delete chosen.txt"]`), click(".confirm button.danger"), textIn(".result", "Deleted docs/chosen.txt."),
		until(`document.querySelector("main table")?.textContent.includes("chosen.txt") === false`))
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("console-files"), Key: aws.String("docs/chosen.txt")}); err == nil {
		t.Error("docs/chosen.txt is still there after the console deleted it")
	}
	b.clean(t)
}

func objectText(t *testing.T, c *s3.Client, key string) string {
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("console-files"), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer out.Body.Close()
	data, _ := io.ReadAll(out.Body)
	return string(data)
}
