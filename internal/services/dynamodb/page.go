package dynamodb

import "github.com/nubo-dev/nubo/internal/services/dynamodb/attr"

// A Query's or Scan's page (QueryOutput) keeps its items as the JSON the
// client gets, written as the scan reads them: from their storage
// encoding (attr.AppendStoredJSON), or from the projected item.

// add appends an item's JSON: of item (projected) when not nil, else of
// the stored item v.
func (o *QueryOutput) add(item Item, v []byte) error {
	if len(o.items) > 0 {
		o.items = append(o.items, ',')
	} else {
		// Room for a page of items like v (a stored item's JSON takes
		// about twice its size), so that a page does not grow from
		// nothing.
		o.items = make([]byte, 0, min(2*len(v)*pageGuess, 2*pageBytes))
	}
	if item != nil {
		o.items = attr.AppendItemJSON(o.items, item)
		return nil
	}
	var err error
	o.items, err = attr.AppendStoredJSON(o.items, v)
	return err
}

// Items are the page's items (nil for Select COUNT).
func (o *QueryOutput) Items() []Item {
	if o.count {
		return nil
	}
	items := []Item{}
	if len(o.items) == 0 {
		return items
	}
	p := attr.NewParser(append(append([]byte{'['}, o.items...), ']'))
	for ok := p.Open('['); ok; ok = p.Next(']') {
		items = append(items, p.Item(nil))
	}
	return items
}

// pageGuess is how many items the first item's size is multiplied by to
// guess a page's size.
const pageGuess = 64
