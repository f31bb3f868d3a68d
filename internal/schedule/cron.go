package schedule

import (
	"math/bits"
	"strconv"
	"strings"
	"time"
)

// cron is a parsed cron expression: minutes hours day-of-month month
// day-of-week year, with AWS's (Quartz's) wildcards.
type cron struct {
	minutes uint64 // bit n: minute n
	hours   uint32
	months  uint16 // bit n: month n (1-12)
	years   [4]uint64
	dom     dayRule
	dow     dayRule
}

// dayRule is a day-of-month or day-of-week field.
type dayRule struct {
	any     bool   // "?"
	set     uint32 // days (1-31, or 1-7 from Sunday)
	last    bool   // "L": last day of the month; in day-of-week with a day, "6L": last Friday
	weekday bool   // "15W": the weekday nearest the 15th; "LW": the last weekday
	nth     int    // "3#2": the second Tuesday
	day     int    // the day "W", "L" and "#" apply to
}

const (
	minYear = 1970
	maxYear = 2199
)

var (
	monthNames = []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}
	dayNames   = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}
)

// fieldSpec is a field's range and names.
type fieldSpec struct {
	min, max int
	names    []string // names for min, min+1, ...
}

var (
	minuteField = fieldSpec{0, 59, nil}
	hourField   = fieldSpec{0, 23, nil}
	domField    = fieldSpec{1, 31, nil}
	monthField  = fieldSpec{1, 12, monthNames}
	dowField    = fieldSpec{1, 7, dayNames}
	yearField   = fieldSpec{minYear, maxYear, nil}
)

// parseCron parses the fields of cron(...); optionalYear accepts five
// fields (EventBridge Scheduler documents the year as optional).
func parseCron(body string, optionalYear bool) (*cron, bool) {
	f := strings.Fields(body)
	if len(f) == 5 && optionalYear {
		f = append(f, "*")
	}
	if len(f) != 6 || strings.TrimSpace(body) != body {
		return nil, false
	}
	c := &cron{}
	var ok bool
	var bits []int
	if bits, ok = parseList(f[0], minuteField); !ok {
		return nil, false
	}
	for _, b := range bits {
		c.minutes |= 1 << b
	}
	if bits, ok = parseList(f[1], hourField); !ok {
		return nil, false
	}
	for _, b := range bits {
		c.hours |= 1 << b
	}
	if bits, ok = parseList(f[3], monthField); !ok {
		return nil, false
	}
	for _, b := range bits {
		c.months |= 1 << b
	}
	if bits, ok = parseList(f[5], yearField); !ok {
		return nil, false
	}
	for _, b := range bits {
		y := b - minYear
		c.years[y/64] |= 1 << (y % 64)
	}
	if c.dom, ok = parseDays(f[2], false); !ok {
		return nil, false
	}
	if c.dow, ok = parseDays(f[4], true); !ok {
		return nil, false
	}
	// One of the two day fields, and only one, must be "?".
	return c, c.dom.any != c.dow.any
}

// parseList parses a comma-separated list of values, ranges (which may
// wrap around, as "20-2" hours do) and increments.
func parseList(s string, spec fieldSpec) ([]int, bool) {
	var out []int
	for _, part := range strings.Split(s, ",") {
		vals, ok := parseElement(part, spec)
		if !ok {
			return nil, false
		}
		out = append(out, vals...)
	}
	return out, true
}

func parseElement(s string, spec fieldSpec) ([]int, bool) {
	body, stepText, hasStep := strings.Cut(s, "/")
	step := 1
	if hasStep {
		n, err := strconv.Atoi(stepText)
		if err != nil || n < 1 || n > spec.max || !digits(stepText) {
			return nil, false
		}
		step = n
	}
	lo, hi := spec.min, spec.max
	switch {
	case body == "*":
	case strings.Contains(body, "-"):
		a, b, _ := strings.Cut(body, "-")
		var ok1, ok2 bool
		lo, ok1 = value(a, spec)
		hi, ok2 = value(b, spec)
		if !ok1 || !ok2 {
			return nil, false
		}
	default:
		v, ok := value(body, spec)
		if !ok {
			return nil, false
		}
		lo = v
		if !hasStep {
			hi = v
		}
	}
	span := spec.max - spec.min + 1
	n := (hi-lo+span)%span + 1 // values from lo to hi, wrapping
	var out []int
	for i := 0; i < n; i += step {
		out = append(out, spec.min+(lo-spec.min+i)%span)
	}
	return out, true
}

// value reads a number or a name of a field.
func value(s string, spec fieldSpec) (int, bool) {
	for i, name := range spec.names {
		if strings.EqualFold(s, name) {
			return spec.min + i, true
		}
	}
	if !digits(s) {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < spec.min || n > spec.max {
		return 0, false
	}
	return n, true
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseDays parses a day-of-month or day-of-week field: "?", a list, or
// one of the special forms, which stand alone.
func parseDays(s string, week bool) (dayRule, bool) {
	spec := domField
	if week {
		spec = dowField
	}
	up := strings.ToUpper(s)
	switch {
	case s == "?":
		return dayRule{any: true}, true
	case up == "L":
		if week {
			return dayRule{set: 1 << 7}, true // the last day of the week: Saturday
		}
		return dayRule{last: true}, true
	case !week && up == "LW":
		return dayRule{last: true, weekday: true}, true
	case !week && strings.HasSuffix(up, "W"):
		d, ok := value(up[:len(up)-1], spec)
		return dayRule{weekday: true, day: d}, ok
	case week && strings.HasSuffix(up, "L"):
		d, ok := value(up[:len(up)-1], spec)
		return dayRule{last: true, day: d}, ok
	case week && strings.Contains(up, "#"):
		a, b, _ := strings.Cut(up, "#")
		d, ok := value(a, spec)
		n, err := strconv.Atoi(b)
		return dayRule{nth: n, day: d}, ok && err == nil && digits(b) && n >= 1 && n <= 5
	}
	if week && strings.Contains(s, "/") {
		return dayRule{}, false // the day-of-week field takes no increments
	}
	bits, ok := parseList(s, spec)
	var r dayRule
	for _, b := range bits {
		r.set |= 1 << b
	}
	return r, ok
}

// next is the first local time at or after w (to the minute) the
// expression names, up to the end of year 2199.
func (c *cron) next(w wall) (wall, bool) {
	y, mo, d, h, mi := w.year, w.month, w.day, w.hour, w.minute
	if y < minYear {
		y, mo, d, h, mi = minYear, 1, 1, 0, 0
	}
	for y <= maxYear {
		switch {
		case !c.hasYear(y):
			y, mo, d, h, mi = y+1, 1, 1, 0, 0
		case c.months&(1<<mo) == 0 || d > daysIn(y, mo):
			if mo++; mo > 12 {
				y, mo = y+1, 1
			}
			d, h, mi = 1, 0, 0
		case !c.dom.matches(y, mo, d, false) || !c.dow.matches(y, mo, d, true):
			d, h, mi = d+1, 0, 0
		default:
			if hh, mm, ok := c.timeFrom(h, mi); ok {
				return wall{y, mo, d, hh, mm, 0}, true
			}
			d, h, mi = d+1, 0, 0
		}
	}
	return wall{}, false
}

func (c *cron) hasYear(y int) bool {
	i := y - minYear
	return c.years[i/64]&(1<<(i%64)) != 0
}

// timeFrom is the first hour and minute at or after h:mi the expression
// names, within the day.
func (c *cron) timeFrom(h, mi int) (int, int, bool) {
	for ; h < 24; h, mi = h+1, 0 {
		if c.hours&(1<<h) == 0 {
			continue
		}
		if rest := c.minutes >> mi << mi; rest != 0 {
			return h, bits.TrailingZeros64(rest), true
		}
	}
	return 0, 0, false
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// matches reports whether a day-of-month (or, with week, day-of-week)
// field names the date.
func (r dayRule) matches(y int, m time.Month, d int, week bool) bool {
	if r.any {
		return true
	}
	last := daysIn(y, m)
	if !week {
		switch {
		case r.last && r.weekday:
			return d == weekdayNear(y, m, last, last)
		case r.last:
			return d == last
		case r.weekday:
			return r.day <= last && d == weekdayNear(y, m, r.day, last)
		}
		return r.set&(1<<d) != 0
	}
	wd := int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Weekday()) + 1 // 1 is Sunday
	switch {
	case r.last:
		return wd == r.day && d+7 > last
	case r.nth > 0:
		return wd == r.day && (d-1)/7+1 == r.nth
	}
	return r.set&(1<<wd) != 0
}

// weekdayNear is the weekday nearest day n of the month, without leaving
// the month: a Saturday moves to Friday (or to Monday on the 1st), a
// Sunday to Monday (or to Friday on the last day).
func weekdayNear(y int, m time.Month, n, last int) int {
	switch time.Date(y, m, n, 0, 0, 0, 0, time.UTC).Weekday() {
	case time.Saturday:
		if n == 1 {
			return 3
		}
		return n - 1
	case time.Sunday:
		if n == last {
			return n - 2
		}
		return n + 1
	}
	return n
}
