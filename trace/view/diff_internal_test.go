package view

import (
	"reflect"
	"testing"
)

func TestAlignPairsTheLongestCommonOrder(t *testing.T) {
	tests := []struct {
		a, b string
		want []pair
	}{
		{"", "", nil},
		{"ab", "", []pair{{0, -1}, {1, -1}}},
		{"abc", "abc", []pair{{0, 0}, {1, 1}, {2, 2}}},
		// x only in A, y only in B, each where its order puts it.
		{"axbc", "abyc", []pair{{0, 0}, {1, -1}, {2, 1}, {-1, 2}, {3, 3}}},
		// Two in A, one in B: the first pairs.
		{"aab", "ab", []pair{{0, 0}, {1, -1}, {2, 1}}},
		// Crossed: only one of b and c can pair and keep both orders.
		{"bc", "cb", []pair{{0, -1}, {1, 0}, {-1, 1}}},
	}
	for _, tt := range tests {
		got := align(len(tt.a), len(tt.b), func(i, j int) bool { return tt.a[i] == tt.b[j] })
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("align(%q, %q) = %v; want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
