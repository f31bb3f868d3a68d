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

// scanUnits are the read units of a Query or Scan that read size bytes.
func scanUnits(size int, consistent bool) float64 {
	u := float64(max(1, (size+4095)/4096))
	if !consistent {
		u /= 2
	}
	return u
}

// Usage receives the capacity units every request consumes, per table:
// CloudWatch's ConsumedRead/WriteCapacityUnits and the bill's request
// units. Transactions count twice, as in DynamoDB.
type Usage interface {
	Consumed(region, table string, read, write float64)
}

// charge reports units consumed on t.
func (s *Service) charge(t *table, read, write float64) {
	if s.usage != nil && (read > 0 || write > 0) {
		s.usage.Consumed(t.meta.Region, t.meta.Name, read, write)
	}
}

// consumed charges units (write units when write is set) on t and returns
// their ConsumedCapacity when the request asked for it (TOTAL or
// INDEXES).
func (s *Service) consumed(ret string, t *table, units float64, write bool) *ConsumedCapacity {
	if write {
		s.charge(t, 0, units)
	} else {
		s.charge(t, units, 0)
	}
	return consumed(ret, t, units)
}

// consumed is the ConsumedCapacity of units on t when the request asked
// for it.
func consumed(ret string, t *table, units float64) *ConsumedCapacity {
	switch ret {
	case "TOTAL":
		return &ConsumedCapacity{TableName: t.meta.Name, CapacityUnits: units}
	case "INDEXES":
		return &ConsumedCapacity{TableName: t.meta.Name, CapacityUnits: units, Table: &Capacity{CapacityUnits: units}}
	}
	return nil
}
