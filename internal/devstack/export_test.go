package devstack

// PID is the process id of emulator e's current run, for tests that stop
// it as a crash would; 0 when the stack did not start e.
func (s *Stack) PID(e Emulator) int {
	for i, em := range s.emulators {
		if em.name == e {
			return s.proc(i).cmd.Process.Pid
		}
	}
	return 0
}
