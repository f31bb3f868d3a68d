package meter

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// DynamoDB's bill, at on-demand prices: read and write request units
// (what each request consumed, transactions twice) and storage in
// GB-months (the tables' sizes sampled over time). Each table's totals of
// a month are kept in memory and written as a snapshot
// (meter.<month>.<region>.dynamodb.<table>, rolling up the one before)
// every SnapshotEvery, so a crash loses at most that much of DynamoDB's
// usage; request units are not appended one by one, which would cost a
// store write per item operation.

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
	month, region, table string
	ReadUnits            float64 `json:"rru"`
	WriteUnits           float64 `json:"wru"`
	// ByteSeconds is the integral of the table's size over the month.
	ByteSeconds float64 `json:"byteSeconds"`
	dirty       bool
}

func dynamoSubject(month, region, table string) string {
	return store.Key(Prefix, month, region, "dynamodb", table)
}

func (m *Meter) tableLocked(t time.Time, region, table string) *tableUsage {
	month := Month(t)
	subject := dynamoSubject(month, region, table)
	u := m.tables[subject]
	if u == nil {
		u = &tableUsage{month: month, region: region, table: table}
		m.tables[subject] = u
	}
	return u
}

// AddDynamoDB meters request units consumed on a table.
func (m *Meter) AddDynamoDB(t time.Time, region, table string, read, write float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.tableLocked(t, region, table)
	u.ReadUnits += read
	u.WriteUnits += write
	u.dirty = true
}

// AddDynamoDBStorage meters a table's size, bytes, held for d up to t.
func (m *Meter) AddDynamoDBStorage(t time.Time, region, table string, bytes int64, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.tableLocked(t, region, table)
	u.ByteSeconds += float64(bytes) * d.Seconds()
	u.dirty = u.dirty || bytes > 0
}

// snapshotTablesLocked writes the tables' totals that changed.
func (m *Meter) snapshotTablesLocked() error {
	for subject, u := range m.tables {
		if !u.dirty {
			continue
		}
		data, _ := json.Marshal(u)
		if err := m.stream.Replace(subject, data); err != nil {
			return fmt.Errorf("snapshot %s: %w", subject, err)
		}
		u.dirty = false
	}
	return nil
}

// loadTable reads a table's snapshot (t are its subject's tokens).
func (m *Meter) loadTable(t []string, data []byte) {
	var u tableUsage
	if json.Unmarshal(data, &u) != nil {
		return
	}
	u.month, u.region, u.table = t[1], t[2], t[4]
	m.tables[dynamoSubject(u.month, u.region, u.table)] = &u
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

// monthSeconds is the length of month ("2006-01") in seconds.
func monthSeconds(month string) float64 {
	start, err := time.Parse("2006-01", month)
	if err != nil {
		return 30 * 24 * 3600
	}
	return start.AddDate(0, 1, 0).Sub(start).Seconds()
}

// dynamoDBReport adds the month's DynamoDB tables of region (all if "")
// to r; the free storage goes to the month's storage as a whole.
func (m *Meter) dynamoDBReport(r *Report, month, region string, p DynamoDBPrices) {
	m.mu.Lock()
	for _, u := range m.tables {
		if u.month != month || region != "" && u.region != region {
			continue
		}
		tc := TableCost{Region: u.region, Table: u.table, ReadRequestUnits: u.ReadUnits, WriteRequestUnits: u.WriteUnits,
			GBMonths: u.ByteSeconds / (1 << 30) / monthSeconds(month)}
		tc.Cost = tc.ReadRequestUnits*p.ReadRequestUnitsPerMillion/1e6 + tc.WriteRequestUnits*p.WriteRequestUnitsPerMillion/1e6 + tc.GBMonths*p.StorageGBMonth
		r.DynamoDB = append(r.DynamoDB, tc)
	}
	m.mu.Unlock()
	sort.Slice(r.DynamoDB, func(i, j int) bool {
		a, b := r.DynamoDB[i], r.DynamoDB[j]
		return a.Table < b.Table || a.Table == b.Table && a.Region < b.Region
	})
	gbMonths := 0.0
	for _, tc := range r.DynamoDB {
		r.GrossCost += tc.Cost
		r.Cost += tc.Cost
		gbMonths += tc.GBMonths
	}
	r.FreeStorageGBMonths = min(gbMonths, p.FreeStorageGB)
	r.Cost -= r.FreeStorageGBMonths * p.StorageGBMonth
}
