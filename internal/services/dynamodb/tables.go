package dynamodb

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"time"

	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/services/dynamodb/attr"
)

var tableNameRE = regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`)

// checkTableName applies the model's constraints on TableName.
func checkTableName(name string) error {
	switch {
	case len(name) < 3:
		return validation("1 validation error detected: Value '%s' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3", name)
	case len(name) > 255:
		return validation("1 validation error detected: Value '%s' at 'tableName' failed to satisfy constraint: Member must have length less than or equal to 255", name)
	case !tableNameRE.MatchString(name):
		return validation("1 validation error detected: Value '%s' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+", name)
	}
	return nil
}

func tableARN(m tableMeta) string {
	return arn.New("dynamodb", m.Region, m.Account, "table/"+m.Name).String()
}

// saveMeta stores m as t's metadata, with extra operations in the same
// batch, and then makes it t's; the caller holds t.mu exclusively.
func (s *Service) saveMeta(ctx context.Context, t *table, m tableMeta, extra func(*write)) error {
	v, err := json.Marshal(m)
	if err != nil {
		return err
	}
	w := newWrite()
	w.batch.Set(metaKey(m.Account, m.Region, m.Name), v)
	if extra != nil {
		extra(w)
	}
	if err := s.commit.Commit(ctx, w); err != nil {
		return err
	}
	nt := openTable(m)
	t.meta, t.key, t.indexes = nt.meta, nt.key, nt.indexes
	return nil
}

// CreateTable creates a table; it answers with TableStatus CREATING and is
// ACTIVE (usable) from then on.
func (s *Service) CreateTable(ctx context.Context, scope Scope, in *CreateTableInput) (*TableOutput, error) {
	if err := checkTableName(in.TableName); err != nil {
		return nil, err
	}
	m, err := s.newTableMeta(scope, in)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ref := tableRef{scope.Account, scope.Region, in.TableName}
	if s.tables[ref] != nil {
		return nil, awserr.New(ErrResourceInUse, "Table already exists: %s", in.TableName)
	}
	t := &table{meta: m}
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := s.saveMeta(ctx, t, m, nil); err != nil {
		return nil, err
	}
	s.commit.mu.Lock()
	s.commit.counts[t] = counts{}
	s.commit.mu.Unlock()
	s.tables[ref] = t
	d := s.describe(t, counts{})
	d.TableStatus = "CREATING"
	for i := range d.GlobalSecondaryIndexes {
		d.GlobalSecondaryIndexes[i].IndexStatus = "CREATING"
	}
	return &TableOutput{TableDescription: d}, nil
}

// newTableMeta validates a CreateTable request into a table's metadata.
func (s *Service) newTableMeta(scope Scope, in *CreateTableInput) (tableMeta, error) {
	m := tableMeta{
		ID: newID(), Account: scope.Account, Region: scope.Region, Name: in.TableName, Created: s.epoch(),
		Attrs: in.AttributeDefinitions, KeySchema: in.KeySchema, BillingMode: in.BillingMode,
		Throughput: in.ProvisionedThroughput, OnDemand: in.OnDemandThroughput, SSE: in.SSESpecification,
		TableClass: in.TableClass, DeletionProtection: in.DeletionProtectionEnabled, Tags: in.Tags,
	}
	if m.BillingMode == "" {
		m.BillingMode = "PROVISIONED"
	}
	if err := checkBilling(m.BillingMode, m.Throughput); err != nil {
		return m, err
	}
	if err := checkKeySchema(in.KeySchema, "keySchema"); err != nil {
		return m, err
	}
	used := keyNames(in.KeySchema)
	if in.GlobalSecondaryIndexes != nil && len(in.GlobalSecondaryIndexes) == 0 {
		return m, validation("One or more parameter values were invalid: List of GlobalSecondaryIndexes is empty")
	}
	if in.LocalSecondaryIndexes != nil && len(in.LocalSecondaryIndexes) == 0 {
		return m, validation("One or more parameter values were invalid: List of LocalSecondaryIndexes is empty")
	}
	for _, g := range in.GlobalSecondaryIndexes {
		m.NextIndex++
		m.Indexes = append(m.Indexes, indexMeta{No: m.NextIndex, Name: g.IndexName, Global: true, KeySchema: g.KeySchema, Projection: g.Projection, Throughput: g.ProvisionedThroughput, OnDemand: g.OnDemandThroughput})
		used = append(used, keyNames(g.KeySchema)...)
	}
	for _, l := range in.LocalSecondaryIndexes {
		m.NextIndex++
		m.Indexes = append(m.Indexes, indexMeta{No: m.NextIndex, Name: l.IndexName, KeySchema: l.KeySchema, Projection: l.Projection})
		used = append(used, keyNames(l.KeySchema)...)
	}
	if err := checkIndexes(m); err != nil {
		return m, err
	}
	if err := checkDefinitions(in.AttributeDefinitions, used, len(m.Indexes) > 0); err != nil {
		return m, err
	}
	if sp := in.StreamSpecification; sp != nil && sp.StreamEnabled {
		if err := checkViewType(sp.StreamViewType); err != nil {
			return m, err
		}
		m.Stream = s.newStream(sp.StreamViewType)
	}
	return m, nil
}

func (s *Service) newStream(viewType string) *streamMeta {
	now := s.now().UTC()
	return &streamMeta{ID: newID(), Label: now.Format("2006-01-02T15:04:05.000"), ViewType: viewType, Created: s.epoch()}
}

// describe is a table's description; the caller holds t.mu.
func (s *Service) describe(t *table, cs counts) TableDescription {
	m := t.meta
	d := TableDescription{
		AttributeDefinitions: m.Attrs, TableName: m.Name, KeySchema: m.KeySchema, TableStatus: "ACTIVE",
		CreationDateTime: m.Created, TableSizeBytes: cs[0][1], ItemCount: cs[0][0], TableArn: tableARN(m),
		TableId:                   fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", uint32(m.ID>>32), uint16(m.ID>>16), uint16(m.ID), uint16(m.ID>>48), m.ID&0xffffffffffff),
		DeletionProtectionEnabled: m.DeletionProtection, OnDemandThroughput: m.OnDemand,
		ProvisionedThroughput: throughputDescription(m.Throughput),
	}
	if created := time.UnixMilli(int64(m.Created * 1000)); s.now().Before(created.Add(s.creating)) {
		d.TableStatus = "CREATING"
	}
	if m.BillingMode == "PAY_PER_REQUEST" {
		d.BillingModeSummary = &BillingModeSummary{BillingMode: m.BillingMode}
	}
	if m.TableClass != "" {
		d.TableClassSummary = &TableClassSummary{TableClass: m.TableClass}
	}
	if m.SSE != nil && m.SSE.Enabled != nil && *m.SSE.Enabled {
		d.SSEDescription = &SSEDescription{Status: "ENABLED", SSEType: "KMS", KMSMasterKeyArn: arn.New("kms", m.Region, m.Account, "key/"+nonEmpty(m.SSE.KMSMasterKeyId, "aws/dynamodb")).String()}
	}
	if sm := m.Stream; sm != nil {
		d.StreamSpecification = &StreamSpecification{StreamEnabled: true, StreamViewType: sm.ViewType}
		d.LatestStreamLabel, d.LatestStreamArn = sm.Label, streamARN(t, *sm)
	} else if n := len(m.OldStreams); n > 0 {
		d.LatestStreamLabel, d.LatestStreamArn = m.OldStreams[n-1].Label, streamARN(t, m.OldStreams[n-1])
	}
	for _, ix := range m.Indexes {
		c := cs[ix.No]
		ixARN := tableARN(m) + "/index/" + ix.Name
		if ix.Global {
			d.GlobalSecondaryIndexes = append(d.GlobalSecondaryIndexes, GlobalSecondaryIndexDescription{
				IndexName: ix.Name, KeySchema: ix.KeySchema, Projection: ix.Projection, IndexStatus: "ACTIVE",
				ProvisionedThroughput: throughputDescription(ix.Throughput), OnDemandThroughput: ix.OnDemand,
				IndexSizeBytes: c[1], ItemCount: c[0], IndexArn: ixARN,
			})
		} else {
			d.LocalSecondaryIndexes = append(d.LocalSecondaryIndexes, LocalSecondaryIndexDescription{
				IndexName: ix.Name, KeySchema: ix.KeySchema, Projection: ix.Projection, IndexSizeBytes: c[1], ItemCount: c[0], IndexArn: ixARN,
			})
		}
	}
	return d
}

func throughputDescription(tp *ProvisionedThroughput) *ProvisionedThroughputDescription {
	if tp == nil {
		return &ProvisionedThroughputDescription{}
	}
	return &ProvisionedThroughputDescription{ReadCapacityUnits: tp.ReadCapacityUnits, WriteCapacityUnits: tp.WriteCapacityUnits}
}

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// DescribeTable describes a table, with its live item count and size.
func (s *Service) DescribeTable(ctx context.Context, scope Scope, in *DescribeTableInput) (*DescribeTableOutput, error) {
	if err := checkTableName(in.TableName); err != nil {
		return nil, err
	}
	t := s.lookup(scope, in.TableName)
	if t == nil {
		return nil, awserr.New(ErrResourceNotFound, "Requested resource not found: Table: %s not found", in.TableName)
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	return &DescribeTableOutput{Table: s.describe(t, s.commit.get(t))}, nil
}

// DeleteTable deletes a table, its items, indexes and streams' records.
func (s *Service) DeleteTable(ctx context.Context, scope Scope, in *DeleteTableInput) (*TableOutput, error) {
	if err := checkTableName(in.TableName); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ref := tableRef{scope.Account, scope.Region, in.TableName}
	t := s.tables[ref]
	if t == nil {
		return nil, awserr.New(ErrResourceNotFound, "Requested resource not found: Table: %s not found", in.TableName)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.meta.DeletionProtection {
		return nil, validation("Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.")
	}
	d := s.describe(t, s.commit.get(t))
	w := newWrite()
	w.batch.Delete(metaKey(t.meta.Account, t.meta.Region, t.meta.Name))
	w.batch.Delete(countsKey(t.meta.ID))
	w.batch.DeleteRange(tablePrefix(t.meta.ID), prefixEnd(tablePrefix(t.meta.ID)))
	for _, sm := range t.streams() {
		w.batch.DeleteRange(recordKey(sm.ID, 0), recordKey(sm.ID+1, 0))
		w.batch.DeleteRange(shardKey(sm.ID, 0), shardKey(sm.ID+1, 0))
	}
	if err := s.commit.Commit(ctx, w); err != nil {
		return nil, err
	}
	t.deleted = true
	delete(s.tables, ref)
	s.commit.drop(t)
	d.TableStatus = "DELETING"
	return &TableOutput{TableDescription: d}, nil
}

// ListTables lists the table names of scope in order, Limit (at most
// 100) at a time.
func (s *Service) ListTables(ctx context.Context, scope Scope, in *ListTablesInput) (*ListTablesOutput, error) {
	limit := 100
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > 100 {
			return nil, validation("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100", *in.Limit)
		}
		limit = *in.Limit
	}
	var names []string
	s.mu.RLock()
	for ref := range s.tables {
		if ref.account == scope.Account && ref.region == scope.Region && ref.name > in.ExclusiveStartTableName {
			names = append(names, ref.name)
		}
	}
	s.mu.RUnlock()
	sort.Strings(names)
	out := &ListTablesOutput{TableNames: names}
	if len(names) > limit {
		out.TableNames = names[:limit]
		out.LastEvaluatedTableName = names[limit-1]
	}
	if out.TableNames == nil {
		out.TableNames = []string{}
	}
	return out, nil
}

// DescribeLimits reports DynamoDB's default account and table limits.
func (s *Service) DescribeLimits(ctx context.Context, scope Scope) (*DescribeLimitsOutput, error) {
	return &DescribeLimitsOutput{AccountMaxReadCapacityUnits: 80000, AccountMaxWriteCapacityUnits: 80000, TableMaxReadCapacityUnits: 40000, TableMaxWriteCapacityUnits: 40000}, nil
}

// DescribeEndpoints names the endpoint serving scope's region: address is
// the host the caller reached (the wire layer knows it).
func (s *Service) DescribeEndpoints(ctx context.Context, scope Scope, address string) (*DescribeEndpointsOutput, error) {
	return &DescribeEndpointsOutput{Endpoints: []Endpoint{{Address: address, CachePeriodInMinutes: 1440}}}, nil
}

// keyType is a key attribute's declared type in t.
func (t *table) keyType(name string) attr.Type {
	for _, d := range t.meta.Attrs {
		if d.AttributeName == name {
			ty, _ := attr.ParseType(d.AttributeType)
			return ty
		}
	}
	return attr.Invalid
}

// TableSize is a table's stored size: its items and index entries, and
// the 100 bytes of overhead DynamoDB bills per item and entry.
type TableSize struct {
	Region, Name string
	Bytes        int64
}

// Sizes are every table's sizes, for the bill. In a cluster every node
// has every table, and only the holder reports them, so that each is
// billed once.
func (s *Service) Sizes() []TableSize {
	if !s.holds() {
		return nil
	}
	var out []TableSize
	for _, t := range s.allTables() {
		size := TableSize{Region: t.meta.Region, Name: t.meta.Name}
		for _, c := range s.commit.get(t) {
			size.Bytes += c[1] + 100*c[0]
		}
		out = append(out, size)
	}
	return out
}
