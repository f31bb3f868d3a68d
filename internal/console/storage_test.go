package console_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
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
