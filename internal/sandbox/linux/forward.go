package linux

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// forwarding is the host's IPv4 forwarding, which every nubo on the host
// with outbound sandboxes needs on: the first to start turns it on (and
// records what it was), the last to stop puts it back. Each holds a shared
// lock on the record while it runs; one that gets the exclusive lock is
// alone. A nubo killed with forwarding on leaves the record, so the next
// one still puts back what the host had.
type forwarding struct {
	record *os.File
	sysctl string
}

// Where the host's forwarding and its record are.
const (
	ipForward     = "/proc/sys/net/ipv4/ip_forward"
	forwardRecord = "/run/nubo-ip-forward"
)

// enableForwarding turns forwarding on, through the record at path, once
// install has put in place the rules that depend on whether it was off.
func enableForwarding(path, sysctl string, install func(wasOff bool) error) (*forwarding, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("forwarding record: %w", err)
	}
	fw := &forwarding{record: f, sysctl: sysctl}
	if err := fw.enable(install); err != nil {
		f.Close()
		return nil, err
	}
	return fw, nil
}

func (fw *forwarding) enable(install func(wasOff bool) error) error {
	fd := int(fw.record.Fd())
	for {
		if unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB) == nil {
			// Alone: record what forwarding is, unless a nubo that died
			// left its record, and turn it on.
			was, err := fw.read()
			if err == nil && was == "" {
				if was, err = fw.current(); err == nil {
					_, err = fw.record.WriteAt([]byte(was), 0)
				}
			}
			if err != nil {
				return err
			}
			if err := install(was == "0"); err != nil {
				return err
			}
			if was, err = fw.current(); err == nil && was == "0" {
				err = writeFile(fw.sysctl, "1")
			}
			if err != nil {
				return fmt.Errorf("enable forwarding: %w", err)
			}
			return unix.Flock(fd, unix.LOCK_SH)
		}
		// Others run, and turned it on.
		if err := unix.Flock(fd, unix.LOCK_SH); err != nil {
			return fmt.Errorf("forwarding record: %w", err)
		}
		was, err := fw.read()
		if err != nil {
			return err
		}
		now, err := fw.current()
		if err != nil {
			return err
		}
		if now != "0" {
			return install(was == "0")
		}
		// The last of them stopped meanwhile and put it back.
		unix.Flock(fd, unix.LOCK_UN)
	}
}

func (fw *forwarding) read() (string, error) {
	data, err := io.ReadAll(io.NewSectionReader(fw.record, 0, 16))
	if err != nil {
		return "", fmt.Errorf("forwarding record: %w", err)
	}
	return strings.TrimSpace(string(data)), nil
}

// current is the host's forwarding now ("0" or "1").
func (fw *forwarding) current() (string, error) {
	data, err := os.ReadFile(fw.sysctl)
	if err != nil {
		return "", fmt.Errorf("read forwarding: %w", err)
	}
	return strings.TrimSpace(string(data)), nil
}

// release puts forwarding back as the record has it when no other nubo
// holds it.
func (fw *forwarding) release() error {
	defer fw.record.Close()
	if unix.Flock(int(fw.record.Fd()), unix.LOCK_EX|unix.LOCK_NB) != nil {
		return nil // others run
	}
	was, err := fw.read()
	if err != nil {
		return err
	}
	var errs []error
	if was == "0" {
		errs = append(errs, writeFile(fw.sysctl, "0"))
	}
	return errors.Join(append(errs, fw.record.Truncate(0))...)
}
