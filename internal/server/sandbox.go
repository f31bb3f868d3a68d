package server

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"

	"github.com/nubo-dev/nubo/internal/engine"
	"github.com/nubo-dev/nubo/internal/runtimes"
	"github.com/nubo-dev/nubo/internal/sandbox"
	"github.com/nubo-dev/nubo/internal/sandbox/linux"
	"github.com/nubo-dev/nubo/internal/sandbox/process"
)

// sandboxDriver builds the driver Config.Sandbox names. Without a choice,
// nubo isolates functions with the linux driver when it runs as root and
// the host allows it, and says loudly when it cannot.
func (s *Server) sandboxDriver(catalogue *runtimes.Catalogue) (sandbox.Driver, error) {
	choice := s.cfg.Sandbox
	if choice == "" {
		choice = "process"
		if os.Geteuid() == 0 {
			choice = "linux"
		}
	}
	switch choice {
	case "process":
		if s.cfg.Sandbox == "" {
			s.log.Warn("nubo is not running as root: the process sandbox driver runs functions without isolation")
		}
		return s.processDriver(catalogue)
	case "linux":
		parent, uidBase, err := instanceIDs(s.cfg.DataDir)
		if err != nil {
			return nil, err
		}
		d, err := linux.New(linux.Options{Dir: filepath.Join(s.cfg.DataDir, "linux"), Network: s.cfg.SandboxNetwork,
			CgroupParent: parent, UIDBase: uidBase, UIDCount: 65536, Listen: engine.SandboxEndpoint, Logger: s.log})
		if err != nil {
			if s.cfg.Sandbox == "" {
				s.log.Warn("the linux sandbox driver cannot run here; functions run without isolation", "err", err)
				return s.processDriver(catalogue)
			}
			return nil, err
		}
		s.runners = append(s.runners, func(ctx context.Context) error {
			defer d.Close()
			return d.Run(ctx)
		})
		return d, nil
	}
	return nil, fmt.Errorf("unknown sandbox driver %q (want process or linux)", choice)
}

// processDriver builds the process driver, which forks Python
// environments from pre-initialised interpreters unless told not to.
func (s *Server) processDriver(catalogue *runtimes.Catalogue) (sandbox.Driver, error) {
	var forker process.Forker
	if !s.cfg.NoForkServer {
		s.forks = catalogue.ForkServers(s.cfg.KeepAlive)
		s.runners = append(s.runners, s.forks.Run)
		forker = s.forks
	}
	d, err := process.New(filepath.Join(s.cfg.DataDir, "sandboxes"), forker)
	if err != nil {
		return nil, err
	}
	s.runners = append(s.runners, d.Run)
	return d, nil
}

// instanceIDs names what the linux driver owns on the host after the data
// directory, so that two nubo instances on one host (tests, say) never
// clean up or share each other's cgroups and sandbox users, while a
// restart on the same directory finds its own leftovers.
func instanceIDs(dataDir string) (cgroupParent string, uidBase int, err error) {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return "", 0, err
	}
	sum := sha256.Sum256([]byte(abs))
	n := binary.BigEndian.Uint32(sum[:4])
	return fmt.Sprintf("nubo-%08x", n), 1_000_000 + int(n%64)*65536, nil
}
