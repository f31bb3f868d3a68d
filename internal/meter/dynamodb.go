package meter

import "time"

// DynamoDB's bill, at on-demand prices: read and write request units
// (what each request consumed, transactions twice) and storage in
// GB-months (the tables' sizes sampled over time), in a ledger
// (meter.<month>.<region>.dynamodb.<table>): request units are not
// appended one by one, which would cost a store write per item operation.

// DynamoDBPrices are DynamoDB's on-demand prices in US dollars (US East)
// and its free storage.
type DynamoDBPrices struct {
	ReadRequestUnitsPerMillion  float64 `json:"readRequestUnitsPerMillion"`
	WriteRequestUnitsPerMillion float64 `json:"writeRequestUnitsPerMillion"`
	StorageGBMonth              float64 `json:"storageGBMonth"`
	FreeStorageGB               float64 `json:"freeStorageGB"`
}

// DefaultDynamoDBPrices are DynamoDB's public on-demand prices since
// November 2024 (US East) and its always-free 25 GB.
func DefaultDynamoDBPrices() DynamoDBPrices {
	return DynamoDBPrices{ReadRequestUnitsPerMillion: 0.125, WriteRequestUnitsPerMillion: 0.625, StorageGBMonth: 0.25, FreeStorageGB: 25}
}

// tableUsage is one table's usage in a month.
type tableUsage struct {
	ReadUnits  float64 `json:"rru"`
	WriteUnits float64 `json:"wru"`
	storage
}

func (u tableUsage) plus(o tableUsage) tableUsage {
	return tableUsage{u.ReadUnits + o.ReadUnits, u.WriteUnits + o.WriteUnits, u.storage.plus(o.storage)}
}

// AddDynamoDB meters request units consumed on a table.
func (m *Meter) AddDynamoDB(t time.Time, region, table string, read, write float64) {
	m.tables.add(t, region, table, func(u *tableUsage) bool {
		u.ReadUnits += read
		u.WriteUnits += write
		return true
	})
}

// AddDynamoDBStorage meters a table's size, bytes, held for d up to t.
func (m *Meter) AddDynamoDBStorage(t time.Time, region, table string, bytes int64, d time.Duration) {
	m.tables.add(t, region, table, func(u *tableUsage) bool { return u.hold(bytes, d) })
}

// TableCost is one table's usage in a month and its cost before the free
// storage.
type TableCost struct {
	Region            string  `json:"region"`
	Table             string  `json:"table"`
	ReadRequestUnits  float64 `json:"readRequestUnits"`
	WriteRequestUnits float64 `json:"writeRequestUnits"`
	GBMonths          float64 `json:"gbMonths"`
	Cost              float64 `json:"cost"`
}

// dynamoDBReport adds the month's DynamoDB tables of region (all if "")
// to r; the free storage goes to the month's storage as a whole.
func (m *Meter) dynamoDBReport(r *Report, month, region string, p DynamoDBPrices) {
	gbMonths := 0.0
	r.DynamoDB = costs(r, m.tables, month, region, func(u row[tableUsage]) (TableCost, float64) {
		tc := TableCost{Region: u.region, Table: u.name, ReadRequestUnits: u.usage.ReadUnits, WriteRequestUnits: u.usage.WriteUnits,
			GBMonths: u.usage.gbMonths(month)}
		tc.Cost = tc.ReadRequestUnits*p.ReadRequestUnitsPerMillion/1e6 + tc.WriteRequestUnits*p.WriteRequestUnitsPerMillion/1e6 + tc.GBMonths*p.StorageGBMonth
		gbMonths += tc.GBMonths
		return tc, tc.Cost
	})
	r.FreeStorageGBMonths = min(gbMonths, p.FreeStorageGB)
	r.Cost -= r.FreeStorageGBMonths * p.StorageGBMonth
}
