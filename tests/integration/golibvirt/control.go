package main

// The control API from Go (issue 15): "ids" defines domains a and b and prints what the server's
// seed decides (host name and UUID, each domain's UUID and MAC); "reset" posts
// {"seed": $FAKEVIRT_RESET_SEED} to $FAKEVIRT_CONTROL/v1/reset with net/http.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
)

func init() {
	extraSteps["ids"] = func(c client) error { return c.ids() }
	extraSteps["reset"] = func(c client) error { return controlReset() }
}

const nicDomainXML = `<domain type='kvm'><name>%s</name><memory unit='MiB'>64</memory>
  <os><type arch='x86_64'>hvm</type></os>
  <devices><interface type='user'><model type='virtio'/></interface></devices></domain>`

var (
	hostUUID = regexp.MustCompile(`<host>\s*<uuid>([^<]+)</uuid>`)
	macAddr  = regexp.MustCompile(`<mac address='([^']+)'`)
)

func (c client) ids() error {
	hostname, err := c.l.ConnectGetHostname()
	if err != nil {
		return err
	}
	caps, err := c.l.ConnectGetCapabilities()
	if err != nil {
		return err
	}
	m := hostUUID.FindStringSubmatch(caps)
	if m == nil {
		return fmt.Errorf("no host UUID in the capabilities")
	}
	parts := []string{"host=" + hostname + "/" + m[1]}
	for _, name := range []string{"a", "b"} {
		dom, err := c.l.DomainDefineXML(fmt.Sprintf(nicDomainXML, name))
		if err != nil {
			return err
		}
		xml, err := c.l.DomainGetXMLDesc(dom, 0)
		if err != nil {
			return err
		}
		mac := macAddr.FindStringSubmatch(xml)
		if mac == nil {
			return fmt.Errorf("no MAC in %s's XML", name)
		}
		parts = append(parts, fmt.Sprintf("%s=%x/%s", name, dom.UUID, mac[1]))
	}
	fmt.Printf("ids: %s\n", strings.Join(parts, " "))
	return nil
}

func controlReset() error {
	url := strings.Replace(os.Getenv("FAKEVIRT_CONTROL"), "tcp://", "http://", 1)
	seed, err := strconv.Atoi(os.Getenv("FAKEVIRT_RESET_SEED"))
	if err != nil {
		return fmt.Errorf("FAKEVIRT_RESET_SEED: %v", err)
	}
	body, _ := json.Marshal(map[string]int{"seed": seed})
	resp, err := http.Post(url+"/v1/reset", "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("reset: HTTP %d: %s", resp.StatusCode, answer)
	}
	var result map[string]any
	if err := json.Unmarshal(answer, &result); err != nil {
		return err
	}
	fmt.Printf("reset: seed=%v\n", result["seed"])
	return nil
}
