package reactor

import "log"

// gnetLogger passes gnet's errors to featherd's error log and drops its
// chatter (it announces every engine start at INFO level).
type gnetLogger struct{ l *log.Logger }

func (g gnetLogger) Debugf(string, ...any) {}
func (g gnetLogger) Infof(string, ...any)  {}
func (g gnetLogger) Warnf(format string, args ...any) {
	g.l.Printf("gnet: "+format, args...)
}
func (g gnetLogger) Errorf(format string, args ...any) {
	g.l.Printf("gnet: "+format, args...)
}
func (g gnetLogger) Fatalf(format string, args ...any) {
	g.l.Fatalf("gnet: "+format, args...)
}
