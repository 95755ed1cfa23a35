package guestos

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"unsafe"

	"github.com/google/go-tdx-guest/client"

	"github.com/dstack-go/dstack/tee/eventlog"
)

// The kernel's RTMR interfaces, tried in this order as upstream does: the
// sysfs measurement file (Linux 6.16+), then the tdx_guest ioctl. Neither
// go-tdx-guest nor go-configfs-tsm (at the versions this module uses)
// extends RTMRs, so this is written here.
const (
	rtmr3SysfsPath = "/sys/devices/virtual/misc/tdx_guest/measurements/rtmr3:sha384"
	tdxGuestDevice = "/dev/tdx_guest"
	ccelPath       = "/sys/firmware/acpi/tables/data/CCEL"
)

// tdxCmdExtendRTMR is upstream's TDX_CMD_EXTEND_RTMR, _IOR('T', 3, struct
// {u8 data[48]; u8 index;}).
const tdxCmdExtendRTMR = 2<<30 | 49<<16 | 'T'<<8 | 3

// TDX is the TEE of a real TD: RTMR3 through the kernel, quotes through
// configfs-tsm (go-tdx-guest).
type TDX struct {
	qp client.QuoteProvider
}

// OpenTDX opens the TD's quote provider and checks that an RTMR interface
// exists.
func OpenTDX() (*TDX, error) {
	qp, err := client.GetQuoteProvider()
	if err != nil {
		return nil, fmt.Errorf("%w: opening the quote provider: %v", ErrNoTDX, err)
	}
	if err := qp.IsSupported(); err != nil {
		return nil, fmt.Errorf("%w: configfs-tsm quotes unavailable (is /sys/kernel/config mounted and tdx_guest loaded?): %v", ErrNoTDX, err)
	}
	if _, err := os.Stat(rtmr3SysfsPath); err != nil {
		if _, err := os.Stat(tdxGuestDevice); err != nil {
			return nil, fmt.Errorf("%w: neither %s nor %s exists", ErrNoTDX, rtmr3SysfsPath, tdxGuestDevice)
		}
	}
	return &TDX{qp: qp}, nil
}

// ExtendRTMR3 implements TEE.
func (t *TDX) ExtendRTMR3(digest [48]byte) error {
	if s, err := os.OpenFile(rtmr3SysfsPath, os.O_WRONLY, 0); err == nil {
		_, err = s.Write(digest[:])
		if cerr := s.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("extending RTMR3 through %s: %w", rtmr3SysfsPath, err)
		}
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("extending RTMR3 through %s: %w", rtmr3SysfsPath, err)
	}
	f, err := os.OpenFile(tdxGuestDevice, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("extending RTMR3: %w", err)
	}
	defer f.Close()
	var req [49]byte
	copy(req[:48], digest[:])
	req[48] = 3
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), tdxCmdExtendRTMR, uintptr(unsafe.Pointer(&req[0]))); e != 0 {
		return fmt.Errorf("extending RTMR3 through %s: %w", tdxGuestDevice, e)
	}
	return nil
}

// BootEvents implements BootLog: the RTMR0–2 events of the CCEL table.
// RTMR3 events come from the runtime log instead.
func (t *TDX) BootEvents() ([]eventlog.Event, error) {
	b, err := os.ReadFile(ccelPath)
	if err != nil {
		return nil, fmt.Errorf("reading the CCEL table: %w", err)
	}
	all, err := eventlog.ParseCCEL(b)
	if err != nil {
		return nil, err
	}
	var out []eventlog.Event
	for _, e := range all {
		if e.IMR < eventlog.RuntimeIMR {
			out = append(out, e)
		}
	}
	return out, nil
}

// Quote implements TEE.
func (t *TDX) Quote(_ context.Context, reportData [64]byte) ([]byte, error) {
	q, err := client.GetRawQuote(t.qp, reportData)
	if err != nil {
		return nil, fmt.Errorf("getting a TDX quote: %w", err)
	}
	return q, nil
}
