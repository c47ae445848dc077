package compare

import "time"

// Results is everything one compare run measured, in the shape written
// to results.json and read back by -baseline. Its field names are the
// JSON schema: change them only with the reader in baseline.go.
type Results struct {
	Started   time.Time  `json:"started"`
	Machine   Machine    `json:"machine"`
	Settings  Settings   `json:"settings"`
	Reference string     `json:"reference"` // the server every ratio divides by; "" when none ran
	Servers   []Server   `json:"servers"`   // in the order of -servers
	Workloads []Workload `json:"workloads"` // in the order of -workloads
}

// Machine describes where the figures were taken, so two results files
// are only compared knowingly.
type Machine struct {
	CPU       string `json:"cpu"` // model name from /proc/cpuinfo
	Cores     int    `json:"cores"`
	Kernel    string `json:"kernel"` // uname release
	Hostname  string `json:"hostname"`
	GoVersion string `json:"go_version"`
}

// Settings are the flags that shaped the run.
type Settings struct {
	Runs       int     `json:"runs"`
	DurationS  float64 `json:"duration_s"` // measured seconds per measurement
	WarmupS    float64 `json:"warmup_s"`
	Pinned     bool    `json:"pinned"`
	ServerCPUs []int   `json:"server_cpus,omitempty"`
	LoadCPUs   []int   `json:"load_cpus,omitempty"`
	Noise      float64 `json:"noise"` // reference drift between rounds that triggers a rerun
	Restarts   int     `json:"restarts"`
	Attackers  int     `json:"attackers"`
}

// Server is one server under test.
type Server struct {
	Name    string `json:"name"`
	Binary  string `json:"binary"`
	Version string `json:"version"`
	RSS     int64  `json:"rss_bytes,omitempty"` // resident set after the last workload
}

// Workload is one scenario's measurements across all rounds.
type Workload struct {
	Name          string             `json:"name"`  // W1…W7, restart, slowloris
	Title         string             `json:"title"` // what it does, for charts and tables
	Metric        string             `json:"metric"`
	LowerIsBetter bool               `json:"lower_is_better"` // failed requests: the ratio is not meaningful
	Runs          []Run              `json:"runs"`
	Summary       map[string]Summary `json:"summary"` // by server name
}

// Run is one round: every server measured once, in Order.
type Run struct {
	Index        int                    `json:"index"`
	Order        []string               `json:"order"`
	Reruns       int                    `json:"reruns"`          // times this round was measured again for noise
	Drift        float64                `json:"drift,omitempty"` // reference's distance from its median that caused the last rerun
	Measurements map[string]Measurement `json:"measurements"`    // by server name
}

// Measurement is one server's figure in one round. Value is in the
// workload's Metric; Ratio divides it by the reference's Value in the
// same round (0 when either failed or no reference ran).
type Measurement struct {
	Value       float64            `json:"value"`
	Ratio       float64            `json:"ratio,omitempty"`
	Requests    int64              `json:"requests"` // good answers only: wanted status and body
	RPS         float64            `json:"rps"`
	MBps        float64            `json:"mbps"`
	Errors      int64              `json:"errors"`
	LatencyUS   map[string]int64   `json:"latency_us,omitempty"`
	Extra       map[string]float64 `json:"extra,omitempty"` // workload-specific figures, e.g. slowest_restart_ms, held
	Note        string             `json:"note,omitempty"`
	Unsupported bool               `json:"unsupported,omitempty"` // the server cannot run this workload
}

// Summary condenses one server's measurements of a workload.
type Summary struct {
	Median      float64 `json:"median"`
	Min         float64 `json:"min"`
	Max         float64 `json:"max"`
	RatioMedian float64 `json:"ratio_median,omitempty"`
	Errors      int64   `json:"errors"` // over all rounds
	Unsupported bool    `json:"unsupported,omitempty"`
}
