// Package compare runs featherd and the servers users would pick instead
// side by side under the same workloads and condenses the figures into
// Results, the shape of results.json.
package compare
