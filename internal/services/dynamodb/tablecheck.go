package dynamodb

import (
	"strings"

	"github.com/nubo-dev/nubo/internal/awserr"
)

// The checks of CreateTable's and UpdateTable's parameters, with AWS's
// messages.

func checkViewType(v string) error {
	switch v {
	case "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY":
		return nil
	case "":
		return validation("One or more parameter values were invalid: You must specify a StreamViewType when enabling a stream")
	}
	return validation("1 validation error detected: Value '%s' at 'streamSpecification.streamViewType' failed to satisfy constraint: Member must satisfy enum value set: [NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY]", v)
}

func checkBilling(mode string, tp *ProvisionedThroughput) error {
	switch mode {
	case "PAY_PER_REQUEST":
		if tp != nil {
			return validation("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
		}
	case "PROVISIONED":
		if tp == nil {
			return validation("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
		}
		if tp.ReadCapacityUnits < 1 || tp.WriteCapacityUnits < 1 {
			return validation("One or more parameter values were invalid: Each ReadCapacityUnits and WriteCapacityUnits must be at least 1")
		}
	default:
		return validation("1 validation error detected: Value '%s' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]", mode)
	}
	return nil
}

func checkKeySchema(ks []KeySchemaElement, at string) error {
	if len(ks) == 0 || len(ks) > 2 {
		return validation("1 validation error detected: Value '%v' at '%s' failed to satisfy constraint: Member must have length less than or equal to 2", ks, at)
	}
	for i, k := range ks {
		if k.KeyType != "HASH" && k.KeyType != "RANGE" {
			return validation("1 validation error detected: Value '%s' at '%s.%d.member.keyType' failed to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]", k.KeyType, at, i+1)
		}
	}
	if ks[0].KeyType != "HASH" {
		return validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
	}
	if len(ks) == 2 && ks[1].KeyType != "RANGE" {
		return validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")
	}
	if len(ks) == 2 && ks[0].AttributeName == ks[1].AttributeName {
		return validation("Invalid KeySchema: Some index key attribute have no definition")
	}
	return nil
}

func keyNames(ks []KeySchemaElement) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.AttributeName
	}
	return out
}

func checkIndexes(m tableMeta) error {
	names := map[string]bool{}
	lsis := 0
	for _, ix := range m.Indexes {
		if names[ix.Name] {
			return validation("One or more parameter values were invalid: Duplicate index name: %s", ix.Name)
		}
		names[ix.Name] = true
		if len(ix.Name) < 3 || len(ix.Name) > 255 || !tableNameRE.MatchString(ix.Name) {
			return validation("1 validation error detected: Value '%s' at 'indexName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+", ix.Name)
		}
		if err := checkKeySchema(ix.KeySchema, "keySchema"); err != nil {
			return err
		}
		switch ix.Projection.ProjectionType {
		case "ALL", "KEYS_ONLY":
			if len(ix.Projection.NonKeyAttributes) > 0 {
				return validation("One or more parameter values were invalid: ProjectionType is %s, but NonKeyAttributes is specified", ix.Projection.ProjectionType)
			}
		case "INCLUDE":
		case "":
			return validation("One or more parameter values were invalid: Unknown ProjectionType: null")
		default:
			return validation("One or more parameter values were invalid: Unknown ProjectionType: %s", ix.Projection.ProjectionType)
		}
		if ix.Global {
			if m.BillingMode == "PROVISIONED" && ix.Throughput == nil {
				return validation("One or more parameter values were invalid: ProvisionedThroughput must be specified for index: %s", ix.Name)
			}
			continue
		}
		lsis++
		if ix.KeySchema[0].AttributeName != m.KeySchema[0].AttributeName {
			return validation("One or more parameter values were invalid: Index KeySchema does not have the same leading hash key as table KeySchema for index: %s. index hash key: %s, table hash key: %s", ix.Name, ix.KeySchema[0].AttributeName, m.KeySchema[0].AttributeName)
		}
		if len(m.KeySchema) != 2 {
			return validation("One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex")
		}
	}
	if lsis > 5 {
		return awserr.New(ErrLimitExceeded, "One or more parameter values were invalid: Number of LocalSecondaryIndexes exceeds per-table limit of 5")
	}
	if len(m.Indexes)-lsis > 20 {
		return awserr.New(ErrLimitExceeded, "One or more parameter values were invalid: Number of GlobalSecondaryIndexes exceeds per-table limit of 20")
	}
	return nil
}

// checkDefinitions checks that AttributeDefinitions declare exactly the
// key attributes used, with types S, N or B.
func checkDefinitions(defs []AttributeDefinition, used []string, indexes bool) error {
	defined := map[string]bool{}
	var names []string
	for _, d := range defs {
		if d.AttributeType != "S" && d.AttributeType != "N" && d.AttributeType != "B" {
			return validation("1 validation error detected: Value '%s' at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]", d.AttributeType)
		}
		defined[d.AttributeName] = true
		names = append(names, d.AttributeName)
	}
	want := map[string]bool{}
	var missing []string
	for _, u := range used {
		if !want[u] {
			want[u] = true
			if !defined[u] {
				missing = append(missing, u)
			}
		}
	}
	if len(missing) > 0 {
		if !indexes {
			return validation("Invalid KeySchema: Some index key attribute have no definition")
		}
		return validation("One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [%s], AttributeDefinitions: [%s]", strings.Join(missing, ", "), strings.Join(names, ", "))
	}
	if len(defined) > len(want) {
		if !indexes {
			return validation("One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions")
		}
		keys := make([]string, 0, len(want))
		for _, u := range used {
			keys = append(keys, u)
		}
		return validation("One or more parameter values were invalid: Some AttributeDefinitions are not used. AttributeDefinitions: [%s], keys used: [%s]", strings.Join(names, ", "), strings.Join(keys, ", "))
	}
	return nil
}
