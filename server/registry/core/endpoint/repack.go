package endpoint

//lint:file-ignore SA1019 v1.7 has core v1 Endpoints (EndpointSlices came in v1.16)

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// RepackSubsets returns subsets in their canonical form: an address that
// appears several times once, and one subset per set of addresses that
// serve the same ports, each with its addresses sorted by IP (then by
// target UID) and its ports sorted, the subsets sorted too. An address
// ready on a port in one subset and not ready in another counts as not
// ready. The endpoints strategy repacks every object it stores, and the
// bootstrap controller repacks the kubernetes endpoints after adding its
// own address.
func RepackSubsets(subsets []corev1.EndpointSubset) []corev1.EndpointSubset {
	// The addresses of each port, each address once, ready or not.
	allAddrs := map[addressKey]*corev1.EndpointAddress{}
	portToAddrReady := map[portKey]map[*corev1.EndpointAddress]bool{}
	ports := map[portKey]corev1.EndpointPort{}
	for i := range subsets {
		for _, port := range subsets[i].Ports {
			pk := keyOfPort(port)
			ports[pk] = port
			if portToAddrReady[pk] == nil {
				portToAddrReady[pk] = map[*corev1.EndpointAddress]bool{}
			}
			for k := range subsets[i].Addresses {
				mapAddress(&subsets[i].Addresses[k], true, allAddrs, portToAddrReady[pk])
			}
			for k := range subsets[i].NotReadyAddresses {
				mapAddress(&subsets[i].NotReadyAddresses[k], false, allAddrs, portToAddrReady[pk])
			}
		}
	}

	// The ports that share the same addresses make one subset.
	byAddrs := map[string][]portKey{}
	for pk, addrs := range portToAddrReady {
		key := addressesKey(addrs)
		byAddrs[key] = append(byAddrs[key], pk)
	}
	final := []corev1.EndpointSubset{}
	for _, pks := range byAddrs {
		var subset corev1.EndpointSubset
		for addr, ready := range portToAddrReady[pks[0]] {
			if ready {
				subset.Addresses = append(subset.Addresses, *addr)
			} else {
				subset.NotReadyAddresses = append(subset.NotReadyAddresses, *addr)
			}
		}
		for _, pk := range pks {
			subset.Ports = append(subset.Ports, ports[pk])
		}
		final = append(final, subset)
	}
	return SortSubsets(final)
}

type addressKey struct {
	ip  string
	uid types.UID
}

// mapAddress records addr (or the equal address seen before) as serving a
// port, ready or not; not ready wins.
func mapAddress(addr *corev1.EndpointAddress, ready bool, all map[addressKey]*corev1.EndpointAddress, addrReady map[*corev1.EndpointAddress]bool) {
	key := addressKey{ip: addr.IP}
	if addr.TargetRef != nil {
		key.uid = addr.TargetRef.UID
	}
	existing := all[key]
	if existing == nil {
		existing = new(corev1.EndpointAddress)
		*existing = *addr
		all[key] = existing
	}
	if wasReady, found := addrReady[existing]; !found || wasReady {
		addrReady[existing] = ready
	}
}

// portKey is an EndpointPort as a map key: its AppProtocol by value.
type portKey struct {
	name, protocol, appProtocol string
	port                        int32
}

func keyOfPort(p corev1.EndpointPort) portKey {
	k := portKey{name: p.Name, protocol: string(p.Protocol), port: p.Port}
	if p.AppProtocol != nil {
		k.appProtocol = *p.AppProtocol
	}
	return k
}

// addressesKey names a set of addresses, each ready or not.
func addressesKey(addrs map[*corev1.EndpointAddress]bool) string {
	var parts []string
	for addr, ready := range addrs {
		uid := types.UID("")
		if addr.TargetRef != nil {
			uid = addr.TargetRef.UID
		}
		parts = append(parts, fmt.Sprintf("%s/%s/%v", addr.IP, uid, ready))
	}
	slices.Sort(parts)
	return strings.Join(parts, ",")
}

// LessEndpointAddress orders addresses by IP, then by target UID, one
// without a target first.
func LessEndpointAddress(a, b *corev1.EndpointAddress) bool {
	if c := bytes.Compare([]byte(a.IP), []byte(b.IP)); c != 0 {
		return c < 0
	}
	if b.TargetRef == nil {
		return false
	}
	if a.TargetRef == nil {
		return true
	}
	return a.TargetRef.UID < b.TargetRef.UID
}

// SortSubsets sorts each subset's addresses and ports, and the subsets.
func SortSubsets(subsets []corev1.EndpointSubset) []corev1.EndpointSubset {
	byAddress := func(a, b corev1.EndpointAddress) int {
		switch {
		case LessEndpointAddress(&a, &b):
			return -1
		case LessEndpointAddress(&b, &a):
			return 1
		}
		return 0
	}
	for i := range subsets {
		slices.SortFunc(subsets[i].Addresses, byAddress)
		slices.SortFunc(subsets[i].NotReadyAddresses, byAddress)
		slices.SortFunc(subsets[i].Ports, func(a, b corev1.EndpointPort) int {
			return cmp.Compare(fmt.Sprint(keyOfPort(a)), fmt.Sprint(keyOfPort(b)))
		})
	}
	slices.SortFunc(subsets, func(a, b corev1.EndpointSubset) int {
		return cmp.Compare(fmt.Sprint(a.Ports, a.Addresses), fmt.Sprint(b.Ports, b.Addresses))
	})
	return subsets
}
