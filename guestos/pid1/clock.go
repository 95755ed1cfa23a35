package pid1

import (
	"fmt"
	"strconv"
	"time"
)

// sourceDateEpoch is the image build's SOURCE_DATE_EPOCH (seconds), set
// by the image build with -ldflags "-X ...pid1.sourceDateEpoch=N".
var sourceDateEpoch string

// minimumTime is the floor when the build set none: no clock reading
// before this package was written can be right.
var minimumTime = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// ClockFloor is the earliest time the guest accepts as now: the image's
// build time when it was stamped, else minimumTime.
func ClockFloor() (time.Time, error) {
	if sourceDateEpoch == "" {
		return minimumTime, nil
	}
	s, err := strconv.ParseInt(sourceDateEpoch, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("the image's SOURCE_DATE_EPOCH %q is not a number", sourceDateEpoch)
	}
	if t := time.Unix(s, 0).UTC(); t.After(minimumTime) {
		return t, nil
	}
	return minimumTime, nil
}

// CheckClock refuses a clock that is obviously wrong: earlier than floor
// (the image cannot have been built after now), or more than maxSkew
// past it. The guest's clock comes from the virtual RTC, which the host
// sets; this check bounds what the host can do to it without trusting it.
// Certificate validity (the KMS's, the gateway's) is judged on this clock,
// so a clock set back to before the build would let an expired certificate
// pass.
func CheckClock(now, floor time.Time, maxSkew time.Duration) error {
	if now.Before(floor) {
		return fmt.Errorf("the clock says %s, before this image was built (%s): set the VM's RTC to the current time (qemu -rtc base=utc)", now.UTC().Format(time.RFC3339), floor.Format(time.RFC3339))
	}
	if maxSkew > 0 && now.After(floor.Add(maxSkew)) {
		return fmt.Errorf("the clock says %s, more than %s after this image was built (%s)", now.UTC().Format(time.RFC3339), maxSkew, floor.Format(time.RFC3339))
	}
	return nil
}
