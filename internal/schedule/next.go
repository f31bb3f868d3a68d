package schedule

import "time"

// wall is a local date and time, without a zone.
type wall struct {
	year                      int
	month                     time.Month
	day, hour, minute, second int
}

func wallOf(t time.Time) wall {
	return wall{t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second()}
}

func (w wall) asUTC() time.Time {
	return time.Date(w.year, w.month, w.day, w.hour, w.minute, w.second, 0, time.UTC)
}

// resolve is the first instant a local time happens in loc. A local time
// that happens twice (clocks going back) resolves to its first, earlier
// instant; one that does not happen (clocks going forward) reports false
// when skipGap is set, and otherwise moves forward by the gap, as Java's
// ZonedDateTime does.
func resolve(w wall, loc *time.Location, skipGap bool) (time.Time, bool) {
	u := w.asUTC()
	// The offsets in force a day either side: a change of offset lies
	// between them if any does.
	_, before := u.Add(-24 * time.Hour).In(loc).Zone()
	_, after := u.Add(24 * time.Hour).In(loc).Zone()
	var found []time.Time
	for _, off := range []int{before, after} {
		t := u.Add(-time.Duration(off) * time.Second)
		if _, o := t.In(loc).Zone(); o == off && wallOf(t.In(loc)) == w {
			found = append(found, t)
		}
	}
	switch {
	case len(found) == 2 && found[1].Before(found[0]):
		return found[1], true
	case len(found) > 0:
		return found[0], true
	case skipGap:
		return time.Time{}, false
	}
	return u.Add(-time.Duration(before) * time.Second), true
}

// Next is the schedule's first occurrence after the instant after, and
// false when there is none (an at in the past, a cron past its last year,
// the end date reached).
func (s *Schedule) Next(after time.Time) (time.Time, bool) {
	if !s.start.IsZero() && after.Before(s.start) {
		after = s.start.Add(-time.Nanosecond) // occurrences on the start date count
	}
	var t time.Time
	var ok bool
	switch s.kind {
	case Rate:
		t, ok = s.nextRate(after), true
	case At:
		t, ok = resolve(s.at, s.loc, false)
		ok = ok && t.After(after)
	default:
		t, ok = s.nextCron(after)
	}
	if !ok || (!s.end.IsZero() && t.After(s.end)) {
		return time.Time{}, false
	}
	return t, true
}

// nextRate counts whole intervals from the anchor: a day is 24 hours even
// when the clocks change.
func (s *Schedule) nextRate(after time.Time) time.Time {
	if after.Before(s.anchor) {
		if s.first {
			return s.anchor
		}
		return s.anchor.Add(s.every)
	}
	if !s.first && after.Equal(s.anchor) {
		return s.anchor.Add(s.every)
	}
	n := after.Sub(s.anchor)/s.every + 1
	return s.anchor.Add(n * s.every)
}

// nextCron walks the local times the expression names, from the local
// minute of after, and returns the first whose instant is after it: local
// times that do not happen are skipped, and a local time that happens twice
// counts once, at its first instant (so, after the clocks go back, the
// repeated hour does not fire again).
func (s *Schedule) nextCron(after time.Time) (time.Time, bool) {
	w := wallOf(after.In(s.loc))
	w.second = 0
	for {
		next, ok := s.cron.next(w)
		if !ok {
			return time.Time{}, false
		}
		if t, ok := resolve(next, s.loc, true); ok && t.After(after) {
			return t, true
		}
		w = wallOf(next.asUTC().Add(time.Minute)) // local times are added in UTC
	}
}
