// Package modules links in every module featherd has: importing it
// registers them with the pipeline and their options with the
// configuration loader. Adding a module adds its line here.
package modules

import (
	_ "github.com/featherd/featherd/http/access"      // mod_access
	_ "github.com/featherd/featherd/http/alias"       // mod_alias
	_ "github.com/featherd/featherd/http/evasive"     // mod_evasive
	_ "github.com/featherd/featherd/http/evhost"      // mod_evhost
	_ "github.com/featherd/featherd/http/expire"      // mod_expire
	_ "github.com/featherd/featherd/http/extforward"  // mod_extforward
	_ "github.com/featherd/featherd/http/indexfile"   // mod_indexfile
	_ "github.com/featherd/featherd/http/redirect"    // mod_redirect
	_ "github.com/featherd/featherd/http/rewrite"     // mod_rewrite
	_ "github.com/featherd/featherd/http/setenv"      // mod_setenv
	_ "github.com/featherd/featherd/http/simplevhost" // mod_simple_vhost
	_ "github.com/featherd/featherd/http/staticfile"  // mod_staticfile
	_ "github.com/featherd/featherd/http/userdir"     // mod_userdir
)
