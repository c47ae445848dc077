package config

import "strings"

// Block is one scope of the configuration: the global scope (index 0) or
// a conditional block. Blocks are numbered in the order their condition
// first appears in the configuration, which is the order in which their
// options are merged; like lighttpd, a condition written twice in the same
// parent names the same block.
type Block struct {
	Index    int
	Parent   *Block   // nil for the global scope
	Prev     *Block   // the branch before this one in an else chain
	Next     *Block   // the branch after this one in an else chain
	Children []*Block // nested blocks, including every branch of their chains
	Cond     *Cond    // nil for the global scope
	Pos      Pos      // where the block's condition was first written

	// Settings are the keys assigned in this block, in the order lighttpd
	// keeps them: '=' and ':=' of a new key append, ':=' of an existing
	// key replaces in place, '+=' moves the key to the end.
	Settings []Setting

	key string // lighttpd's identity of the block: parent key + condition
}

// Setting is one key's value in one block.
type Setting struct {
	Key   string
	Value Value
	Pos   Pos // where the key was last assigned
}

// Lookup returns the value of key in this block only. Keys compare ASCII
// case-insensitively, as in lighttpd.
func (b *Block) Lookup(key string) (Setting, bool) {
	if i := b.find(key); i >= 0 {
		return b.Settings[i], true
	}
	return Setting{}, false
}

func (b *Block) find(key string) int {
	for i := range b.Settings {
		if strings.EqualFold(b.Settings[i].Key, key) {
			return i
		}
	}
	return -1
}

// resolve finds key in this block or the nearest enclosing one, which is
// how a variable reference or '+=' sees values.
func (b *Block) resolve(key string) (Setting, bool) {
	for ; b != nil; b = b.Parent {
		if s, ok := b.Lookup(key); ok {
			return s, true
		}
	}
	return Setting{}, false
}

func (b *Block) remove(i int) Setting {
	s := b.Settings[i]
	b.Settings = append(b.Settings[:i:i], b.Settings[i+1:]...)
	return s
}

// isElse reports whether the block is the bare "else { }" of a chain.
func (b *Block) isElse() bool { return b.Cond != nil && b.Cond.Op == OpElse }
