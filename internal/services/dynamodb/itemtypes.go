package dynamodb

// PutItemInput is PutItem's request.
type PutItemInput struct {
	TableName                           string                            `json:"TableName"`
	Item                                Item                              `json:"Item"`
	ConditionExpression                 string                            `json:"ConditionExpression,omitempty"`
	ExpressionAttributeNames            map[string]string                 `json:"ExpressionAttributeNames,omitempty"`
	ExpressionAttributeValues           map[string]AttributeValue         `json:"ExpressionAttributeValues,omitempty"`
	ReturnValues                        string                            `json:"ReturnValues,omitempty"`
	ReturnValuesOnConditionCheckFailure string                            `json:"ReturnValuesOnConditionCheckFailure,omitempty"`
	ReturnConsumedCapacity              string                            `json:"ReturnConsumedCapacity,omitempty"`
	ReturnItemCollectionMetrics         string                            `json:"ReturnItemCollectionMetrics,omitempty"`
	Expected                            map[string]ExpectedAttributeValue `json:"Expected,omitempty"`
	ConditionalOperator                 string                            `json:"ConditionalOperator,omitempty"`
}

// PutItemOutput is PutItem's response.
type PutItemOutput struct {
	Attributes            Item                   `json:"Attributes,omitempty"`
	ConsumedCapacity      *ConsumedCapacity      `json:"ConsumedCapacity,omitempty"`
	ItemCollectionMetrics *ItemCollectionMetrics `json:"ItemCollectionMetrics,omitempty"`
}

// GetItemInput is GetItem's request.
type GetItemInput struct {
	TableName                string            `json:"TableName"`
	Key                      Item              `json:"Key"`
	ConsistentRead           bool              `json:"ConsistentRead,omitempty"`
	ProjectionExpression     string            `json:"ProjectionExpression,omitempty"`
	ExpressionAttributeNames map[string]string `json:"ExpressionAttributeNames,omitempty"`
	AttributesToGet          []string          `json:"AttributesToGet,omitempty"`
	ReturnConsumedCapacity   string            `json:"ReturnConsumedCapacity,omitempty"`
}

// GetItemOutput is GetItem's response; Item is nil when there is none.
type GetItemOutput struct {
	Item             Item              `json:"Item,omitempty"`
	ConsumedCapacity *ConsumedCapacity `json:"ConsumedCapacity,omitempty"`
}

// DeleteItemInput is DeleteItem's request.
type DeleteItemInput struct {
	TableName                           string                            `json:"TableName"`
	Key                                 Item                              `json:"Key"`
	ConditionExpression                 string                            `json:"ConditionExpression,omitempty"`
	ExpressionAttributeNames            map[string]string                 `json:"ExpressionAttributeNames,omitempty"`
	ExpressionAttributeValues           map[string]AttributeValue         `json:"ExpressionAttributeValues,omitempty"`
	ReturnValues                        string                            `json:"ReturnValues,omitempty"`
	ReturnValuesOnConditionCheckFailure string                            `json:"ReturnValuesOnConditionCheckFailure,omitempty"`
	ReturnConsumedCapacity              string                            `json:"ReturnConsumedCapacity,omitempty"`
	ReturnItemCollectionMetrics         string                            `json:"ReturnItemCollectionMetrics,omitempty"`
	Expected                            map[string]ExpectedAttributeValue `json:"Expected,omitempty"`
	ConditionalOperator                 string                            `json:"ConditionalOperator,omitempty"`
}

// DeleteItemOutput is DeleteItem's response.
type DeleteItemOutput = PutItemOutput

// UpdateItemInput is UpdateItem's request.
type UpdateItemInput struct {
	TableName                           string                            `json:"TableName"`
	Key                                 Item                              `json:"Key"`
	UpdateExpression                    string                            `json:"UpdateExpression,omitempty"`
	ConditionExpression                 string                            `json:"ConditionExpression,omitempty"`
	ExpressionAttributeNames            map[string]string                 `json:"ExpressionAttributeNames,omitempty"`
	ExpressionAttributeValues           map[string]AttributeValue         `json:"ExpressionAttributeValues,omitempty"`
	ReturnValues                        string                            `json:"ReturnValues,omitempty"`
	ReturnValuesOnConditionCheckFailure string                            `json:"ReturnValuesOnConditionCheckFailure,omitempty"`
	ReturnConsumedCapacity              string                            `json:"ReturnConsumedCapacity,omitempty"`
	ReturnItemCollectionMetrics         string                            `json:"ReturnItemCollectionMetrics,omitempty"`
	AttributeUpdates                    map[string]AttributeValueUpdate   `json:"AttributeUpdates,omitempty"`
	Expected                            map[string]ExpectedAttributeValue `json:"Expected,omitempty"`
	ConditionalOperator                 string                            `json:"ConditionalOperator,omitempty"`
}

// UpdateItemOutput is UpdateItem's response.
type UpdateItemOutput = PutItemOutput

// QueryInput is Query's request.
type QueryInput struct {
	TableName                 string                    `json:"TableName"`
	IndexName                 string                    `json:"IndexName,omitempty"`
	Select                    string                    `json:"Select,omitempty"`
	AttributesToGet           []string                  `json:"AttributesToGet,omitempty"`
	Limit                     *int                      `json:"Limit,omitempty"`
	ConsistentRead            bool                      `json:"ConsistentRead,omitempty"`
	KeyConditions             map[string]Condition      `json:"KeyConditions,omitempty"`
	QueryFilter               map[string]Condition      `json:"QueryFilter,omitempty"`
	ConditionalOperator       string                    `json:"ConditionalOperator,omitempty"`
	ScanIndexForward          *bool                     `json:"ScanIndexForward,omitempty"`
	ExclusiveStartKey         Item                      `json:"ExclusiveStartKey,omitempty"`
	ReturnConsumedCapacity    string                    `json:"ReturnConsumedCapacity,omitempty"`
	ProjectionExpression      string                    `json:"ProjectionExpression,omitempty"`
	FilterExpression          string                    `json:"FilterExpression,omitempty"`
	KeyConditionExpression    string                    `json:"KeyConditionExpression,omitempty"`
	ExpressionAttributeNames  map[string]string         `json:"ExpressionAttributeNames,omitempty"`
	ExpressionAttributeValues map[string]AttributeValue `json:"ExpressionAttributeValues,omitempty"`
}

// QueryOutput is Query's (and Scan's) response. Its items are kept as
// their JSON, written as they are read, straight from the storage
// encoding unless the request projects them (page.go): decoding them into
// maps and encoding those was most of a Query's time. Items decodes them.
type QueryOutput struct {
	Count            int               `json:"Count"`
	ScannedCount     int               `json:"ScannedCount"`
	LastEvaluatedKey Item              `json:"LastEvaluatedKey,omitempty"`
	ConsumedCapacity *ConsumedCapacity `json:"ConsumedCapacity,omitempty"`

	// items is the items' JSON, separated by commas; count tells that
	// Select COUNT asked for none.
	items []byte
	count bool
}

// ScanInput is Scan's request.
type ScanInput struct {
	TableName                 string                    `json:"TableName"`
	IndexName                 string                    `json:"IndexName,omitempty"`
	AttributesToGet           []string                  `json:"AttributesToGet,omitempty"`
	Limit                     *int                      `json:"Limit,omitempty"`
	Select                    string                    `json:"Select,omitempty"`
	ScanFilter                map[string]Condition      `json:"ScanFilter,omitempty"`
	ConditionalOperator       string                    `json:"ConditionalOperator,omitempty"`
	ExclusiveStartKey         Item                      `json:"ExclusiveStartKey,omitempty"`
	ReturnConsumedCapacity    string                    `json:"ReturnConsumedCapacity,omitempty"`
	TotalSegments             *int                      `json:"TotalSegments,omitempty"`
	Segment                   *int                      `json:"Segment,omitempty"`
	ProjectionExpression      string                    `json:"ProjectionExpression,omitempty"`
	FilterExpression          string                    `json:"FilterExpression,omitempty"`
	ExpressionAttributeNames  map[string]string         `json:"ExpressionAttributeNames,omitempty"`
	ExpressionAttributeValues map[string]AttributeValue `json:"ExpressionAttributeValues,omitempty"`
	ConsistentRead            bool                      `json:"ConsistentRead,omitempty"`
}

// ScanOutput is Scan's response.
type ScanOutput = QueryOutput
