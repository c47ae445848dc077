// Package pipeline is lighttpd's request pipeline (response.c and
// plugin.h): the phases a request goes through, the hooks modules
// implement to act in them (hooks.go), the results they return
// (result.go), the per-connection request they act on (request.go), the
// registry of modules and the plan a server runs (module.go), and the
// runner (pipeline.go) with the core's own steps: the file check and
// PATH_INFO (physical.go), error documents and error handlers
// (errors.go).
//
// A Pipeline belongs to one event loop, and so does every module
// instance and Request it runs: nothing here locks, and a handler that
// waits is resumed on its connection's loop through Events, which the
// reactor implements. Modules live in the packages beside this one, one
// per lighttpd module; http/modules links them in, and
// pipeline/pipelinetest runs requests through a pipeline in tests.
package pipeline
