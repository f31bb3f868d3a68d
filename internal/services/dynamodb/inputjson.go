package dynamodb

import "github.com/nubo-dev/nubo/internal/services/dynamodb/attr"

// The busiest requests read their own JSON in one pass (the wire layer's
// jsonDecoder), AttributeValues straight into attr.Values: encoding/json
// parsed each of them twice, and a nested one once more per level. A
// DecodeJSON that returns false (a member it does not know, a null, a
// form it does not read) leaves the request to encoding/json, so every
// request decodes to what encoding/json makes of it (FuzzDecodeJSON).
// Each input names its members' fields; readMember reads a field by its
// type, and hands the types of rare and legacy members (Expected,
// KeyConditions, ...) to encoding/json one by one.

// members maps a member's name to its field (nil: unknown).
type members func(name string) any

// decodeObject reads an object's members into their fields.
func decodeObject(p *attr.Parser, m members) {
	for ok := p.Open('{'); ok; ok = p.Next('}') {
		readMember(p, m(string(p.Name())))
	}
}

func decodeInput(data []byte, m members) bool {
	p := attr.NewParser(data)
	decodeObject(p, m)
	return p.Done()
}

// readMember reads the next value into field, a pointer to a member.
func readMember(p *attr.Parser, field any) {
	switch f := field.(type) {
	case nil:
		p.Fail()
	case *string:
		*f = p.String()
	case *bool:
		*f = p.Bool()
	case **bool:
		b := p.Bool()
		*f = &b
	case **int:
		n := p.Int()
		*f = &n
	case *[]string:
		*f = p.Strings()
	case *map[string]string:
		*f = p.StringMap(*f)
	case *Item:
		*f = p.Item(*f)
	case *[]Item:
		if *f != nil {
			p.Fail() // encoding/json would decode into the first array's maps
		}
		*f = []Item{}
		for ok := p.Open('['); ok; ok = p.Next(']') {
			*f = append(*f, p.Item(nil))
		}
	case members:
		decodeObject(p, f)
	case *[]TransactWriteItem:
		if *f != nil {
			p.Fail()
		}
		*f = []TransactWriteItem{}
		for ok := p.Open('['); ok; ok = p.Next(']') {
			*f = append(*f, TransactWriteItem{})
			decodeObject(p, (*f)[len(*f)-1].members)
		}
	case *map[string][]WriteRequest:
		readWriteRequests(p, f)
	case *map[string]KeysAndAttributes:
		if *f == nil {
			*f = map[string]KeysAndAttributes{}
		}
		for ok := p.Open('{'); ok; ok = p.Next('}') {
			table := p.Key()
			var ka KeysAndAttributes
			decodeObject(p, ka.members)
			(*f)[table] = ka
		}
	default:
		p.Decode(f)
	}
}

// DecodeJSON reads a PutItem request.
func (in *PutItemInput) DecodeJSON(data []byte) bool {
	return decodeInput(data, func(name string) any {
		switch name {
		case "Item":
			return &in.Item
		case "Expected":
			return &in.Expected
		case "ConditionalOperator":
			return &in.ConditionalOperator
		}
		return writeMember(name, &in.TableName, &in.ConditionExpression, &in.ExpressionAttributeNames, &in.ExpressionAttributeValues,
			&in.ReturnValues, &in.ReturnValuesOnConditionCheckFailure, &in.ReturnConsumedCapacity, &in.ReturnItemCollectionMetrics)
	})
}

// DecodeJSON reads a DeleteItem request.
func (in *DeleteItemInput) DecodeJSON(data []byte) bool {
	return decodeInput(data, func(name string) any {
		switch name {
		case "Key":
			return &in.Key
		case "Expected":
			return &in.Expected
		case "ConditionalOperator":
			return &in.ConditionalOperator
		}
		return writeMember(name, &in.TableName, &in.ConditionExpression, &in.ExpressionAttributeNames, &in.ExpressionAttributeValues,
			&in.ReturnValues, &in.ReturnValuesOnConditionCheckFailure, &in.ReturnConsumedCapacity, &in.ReturnItemCollectionMetrics)
	})
}

// DecodeJSON reads an UpdateItem request.
func (in *UpdateItemInput) DecodeJSON(data []byte) bool {
	return decodeInput(data, func(name string) any {
		switch name {
		case "Key":
			return &in.Key
		case "UpdateExpression":
			return &in.UpdateExpression
		case "AttributeUpdates":
			return &in.AttributeUpdates
		case "Expected":
			return &in.Expected
		case "ConditionalOperator":
			return &in.ConditionalOperator
		}
		return writeMember(name, &in.TableName, &in.ConditionExpression, &in.ExpressionAttributeNames, &in.ExpressionAttributeValues,
			&in.ReturnValues, &in.ReturnValuesOnConditionCheckFailure, &in.ReturnConsumedCapacity, &in.ReturnItemCollectionMetrics)
	})
}

// writeMember is the field of a member that PutItem, DeleteItem and
// UpdateItem share.
func writeMember(name string, table, cond *string, names *map[string]string, values *Item, ret, onFailure, capacity, metrics *string) any {
	switch name {
	case "TableName":
		return table
	case "ConditionExpression":
		return cond
	case "ExpressionAttributeNames":
		return names
	case "ExpressionAttributeValues":
		return values
	case "ReturnValues":
		return ret
	case "ReturnValuesOnConditionCheckFailure":
		return onFailure
	case "ReturnConsumedCapacity":
		return capacity
	case "ReturnItemCollectionMetrics":
		return metrics
	}
	return nil
}

// DecodeJSON reads a GetItem request.
func (in *GetItemInput) DecodeJSON(data []byte) bool {
	return decodeInput(data, func(name string) any {
		switch name {
		case "TableName":
			return &in.TableName
		case "Key":
			return &in.Key
		case "ConsistentRead":
			return &in.ConsistentRead
		case "ProjectionExpression":
			return &in.ProjectionExpression
		case "ExpressionAttributeNames":
			return &in.ExpressionAttributeNames
		case "AttributesToGet":
			return &in.AttributesToGet
		case "ReturnConsumedCapacity":
			return &in.ReturnConsumedCapacity
		}
		return nil
	})
}

// DecodeJSON reads a Query request.
func (in *QueryInput) DecodeJSON(data []byte) bool {
	return decodeInput(data, func(name string) any {
		switch name {
		case "KeyConditionExpression":
			return &in.KeyConditionExpression
		case "ScanIndexForward":
			return &in.ScanIndexForward
		case "KeyConditions":
			return &in.KeyConditions
		case "QueryFilter":
			return &in.QueryFilter
		}
		return readMemberOf(name, &in.TableName, &in.IndexName, &in.Select, &in.AttributesToGet, &in.Limit, &in.ConsistentRead,
			&in.ConditionalOperator, &in.ExclusiveStartKey, &in.ReturnConsumedCapacity, &in.ProjectionExpression,
			&in.FilterExpression, &in.ExpressionAttributeNames, &in.ExpressionAttributeValues)
	})
}

// DecodeJSON reads a Scan request.
func (in *ScanInput) DecodeJSON(data []byte) bool {
	return decodeInput(data, func(name string) any {
		switch name {
		case "ScanFilter":
			return &in.ScanFilter
		case "TotalSegments":
			return &in.TotalSegments
		case "Segment":
			return &in.Segment
		}
		return readMemberOf(name, &in.TableName, &in.IndexName, &in.Select, &in.AttributesToGet, &in.Limit, &in.ConsistentRead,
			&in.ConditionalOperator, &in.ExclusiveStartKey, &in.ReturnConsumedCapacity, &in.ProjectionExpression,
			&in.FilterExpression, &in.ExpressionAttributeNames, &in.ExpressionAttributeValues)
	})
}

// readMemberOf is the field of a member that Query and Scan share.
func readMemberOf(name string, table, index, sel *string, toGet *[]string, limit **int, consistent *bool, op *string,
	start *Item, capacity, projection, filter *string, names *map[string]string, values *Item) any {
	switch name {
	case "TableName":
		return table
	case "IndexName":
		return index
	case "Select":
		return sel
	case "AttributesToGet":
		return toGet
	case "Limit":
		return limit
	case "ConsistentRead":
		return consistent
	case "ConditionalOperator":
		return op
	case "ExclusiveStartKey":
		return start
	case "ReturnConsumedCapacity":
		return capacity
	case "ProjectionExpression":
		return projection
	case "FilterExpression":
		return filter
	case "ExpressionAttributeNames":
		return names
	case "ExpressionAttributeValues":
		return values
	}
	return nil
}

// DecodeJSON reads a TransactWriteItems request.
func (in *TransactWriteItemsInput) DecodeJSON(data []byte) bool {
	return decodeInput(data, func(name string) any {
		switch name {
		case "TransactItems":
			return &in.TransactItems
		case "ReturnConsumedCapacity":
			return &in.ReturnConsumedCapacity
		case "ReturnItemCollectionMetrics":
			return &in.ReturnItemCollectionMetrics
		case "ClientRequestToken":
			return &in.ClientRequestToken
		}
		return nil
	})
}

func (it *TransactWriteItem) members(name string) any {
	var a **TransactAction
	switch name {
	case "ConditionCheck":
		a = &it.ConditionCheck
	case "Put":
		a = &it.Put
	case "Delete":
		a = &it.Delete
	case "Update":
		a = &it.Update
	default:
		return nil
	}
	if *a == nil { // a second Put fills the first, as in encoding/json
		*a = &TransactAction{}
	}
	return members((*a).members)
}

func (a *TransactAction) members(name string) any {
	switch name {
	case "TableName":
		return &a.TableName
	case "Key":
		return &a.Key
	case "Item":
		return &a.Item
	case "UpdateExpression":
		return &a.UpdateExpression
	case "ConditionExpression":
		return &a.ConditionExpression
	case "ExpressionAttributeNames":
		return &a.ExpressionAttributeNames
	case "ExpressionAttributeValues":
		return &a.ExpressionAttributeValues
	case "ReturnValuesOnConditionCheckFailure":
		return &a.ReturnValuesOnConditionCheckFailure
	}
	return nil
}

// DecodeJSON reads a BatchWriteItem request.
func (in *BatchWriteItemInput) DecodeJSON(data []byte) bool {
	return decodeInput(data, func(name string) any {
		switch name {
		case "RequestItems":
			return &in.RequestItems
		case "ReturnConsumedCapacity":
			return &in.ReturnConsumedCapacity
		case "ReturnItemCollectionMetrics":
			return &in.ReturnItemCollectionMetrics
		}
		return nil
	})
}

// readWriteRequests reads BatchWriteItem's tables and their requests.
func readWriteRequests(p *attr.Parser, f *map[string][]WriteRequest) {
	if *f == nil {
		*f = map[string][]WriteRequest{}
	}
	for ok := p.Open('{'); ok; ok = p.Next('}') {
		table := p.Key()
		reqs := []WriteRequest{}
		for ok := p.Open('['); ok; ok = p.Next(']') {
			var r WriteRequest
			decodeObject(p, func(name string) any {
				switch name {
				case "PutRequest":
					if r.PutRequest == nil {
						r.PutRequest = &struct{ Item Item }{}
					}
					return only("Item", &r.PutRequest.Item)
				case "DeleteRequest":
					if r.DeleteRequest == nil {
						r.DeleteRequest = &struct{ Key Item }{}
					}
					return only("Key", &r.DeleteRequest.Key)
				}
				return nil
			})
			reqs = append(reqs, r)
		}
		(*f)[table] = reqs
	}
}

// only is an object of one member.
func only(member string, field any) members {
	return func(name string) any {
		if name == member {
			return field
		}
		return nil
	}
}

// DecodeJSON reads a BatchGetItem request.
func (in *BatchGetItemInput) DecodeJSON(data []byte) bool {
	return decodeInput(data, func(name string) any {
		switch name {
		case "RequestItems":
			return &in.RequestItems
		case "ReturnConsumedCapacity":
			return &in.ReturnConsumedCapacity
		}
		return nil
	})
}

func (ka *KeysAndAttributes) members(name string) any {
	switch name {
	case "Keys":
		return &ka.Keys
	case "AttributesToGet":
		return &ka.AttributesToGet
	case "ConsistentRead":
		return &ka.ConsistentRead
	case "ProjectionExpression":
		return &ka.ProjectionExpression
	case "ExpressionAttributeNames":
		return &ka.ExpressionAttributeNames
	}
	return nil
}
