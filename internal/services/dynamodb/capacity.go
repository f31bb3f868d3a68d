package dynamodb

import "github.com/nubo-dev/nubo/internal/services/dynamodb/attr"

// Capacity units as DynamoDB counts them (nubo does not throttle; it
// reports): a write unit per KB written (of the larger of the old and new
// item), a read unit per 4 KB read, half for eventually consistent reads.

func writeUnits(new, old Item) float64 {
	n := max(attr.ItemSize(new), attr.ItemSize(old))
	return float64(max(1, (n+1023)/1024))
}

func readUnits(item Item, consistent bool) float64 {
	u := float64(max(1, (attr.ItemSize(item)+4095)/4096))
	if !consistent {
		u /= 2
	}
	return u
}

// consumed is the ConsumedCapacity of units on t when the request asked
// for it (TOTAL or INDEXES).
func consumed(ret string, t *table, units float64) *ConsumedCapacity {
	switch ret {
	case "TOTAL":
		return &ConsumedCapacity{TableName: t.meta.Name, CapacityUnits: units}
	case "INDEXES":
		return &ConsumedCapacity{TableName: t.meta.Name, CapacityUnits: units, Table: &Capacity{CapacityUnits: units}}
	}
	return nil
}
