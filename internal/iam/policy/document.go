package policy

import (
	"regexp"
	"strings"
	"unicode"
)

// Document is a parsed policy.
type Document struct {
	// Text is the document as written, kept to be returned as it was.
	Text       string
	Version    string
	ID         string
	Statements []*Statement
}

// Effect is Allow or Deny.
type Effect string

// The effects.
const (
	Allow Effect = "Allow"
	Deny  Effect = "Deny"
)

// Statement is one statement. Of each pair (Action/NotAction, ...) at most
// one is set; nil means absent.
type Statement struct {
	Sid                     string
	Effect                  Effect
	Principal, NotPrincipal *Principals
	Action, NotAction       []string
	Resource, NotResource   []string
	Conditions              []Condition
}

// Principals is a Principal or NotPrincipal element: "*" or principals by
// type.
type Principals struct {
	All           bool // "*" or {"AWS": "*"}
	AWS           []string
	Service       []string
	Federated     []string
	CanonicalUser []string
}

var (
	accountPattern   = regexp.MustCompile(`^\d{12}$`)
	awsPrincipalARN  = regexp.MustCompile(`^arn:aws[a-z-]*:(iam::\d{12}:(root|user/.+|role/.+|federated-user/.+)|sts::\d{12}:(assumed-role/.+|federated-user/.+))$`)
	principalTypeSet = map[string]bool{"AWS": true, "Service": true, "Federated": true, "CanonicalUser": true}
)

func (s *Statement) setPrincipal(key string, v any) error {
	if s.Principal != nil || s.NotPrincipal != nil {
		return errSyntax
	}
	p, err := parsePrincipals(v)
	if err != nil {
		return err
	}
	if key == "Principal" {
		s.Principal = p
	} else {
		s.NotPrincipal = p
	}
	return nil
}

func parsePrincipals(v any) (*Principals, error) {
	if s, ok := v.(string); ok {
		if s != "*" {
			return nil, syntaxErr("Invalid principal in policy: %s", compact(v))
		}
		return &Principals{All: true}, nil
	}
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		return nil, errSyntax
	}
	p := &Principals{}
	for typ, raw := range m {
		list, ok := strs(raw)
		if !principalTypeSet[typ] || !ok {
			return nil, syntaxErr("Invalid principal in policy: %s", compact(map[string]any{typ: raw}))
		}
		for _, id := range list {
			if !validPrincipal(typ, id) {
				return nil, syntaxErr("Invalid principal in policy: \"%s\":\"%s\"", typ, id)
			}
		}
		switch typ {
		case "AWS":
			p.AWS = list
			p.All = p.All || contains(list, "*")
		case "Service":
			p.Service = list
		case "Federated":
			p.Federated = list
		case "CanonicalUser":
			p.CanonicalUser = list
		}
	}
	return p, nil
}

func validPrincipal(typ, id string) bool {
	switch typ {
	case "AWS":
		return id == "*" || accountPattern.MatchString(id) || awsPrincipalARN.MatchString(id)
	case "Service":
		return id == "*" || strings.Contains(id, ".") && !strings.ContainsFunc(id, unicode.IsSpace)
	}
	return id != ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
