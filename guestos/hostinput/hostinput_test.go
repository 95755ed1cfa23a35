package hostinput

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	testCompose   = `{"manifest_version":2,"name":"t","runner":"docker-compose","docker_compose_file":"services: {}\n","kms_enabled":true}`
	testSysConfig = `{"kms_urls":["https://kms:8000"],"gateway_urls":[],"vm_config":"{\"os_image_hash\":\"00aa\",\"cpu_count\":1,\"memory_size\":0}"}`
	testInstance  = `{"app_id":"0x0102030405060708090a0b0c0d0e0f1011121314","instance_id_seed":"aa","instance_id":""}`
)

func writeDir(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestRead(t *testing.T) {
	env := bytes.Repeat([]byte{7}, 32+12+20)
	dir := writeDir(t, map[string][]byte{
		AppComposeFile: []byte(testCompose), SysConfigFile: []byte(testSysConfig), InstanceInfoFile: []byte(testInstance),
		EncryptedEnvFile: env, UserConfigFile: []byte(`{"dstack":{"launch_token":"x"}}`),
	})
	in, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if string(in.ComposeRaw) != testCompose || in.Compose.Name != "t" || in.SysConfig.KMSURLs[0] != "https://kms:8000" {
		t.Fatalf("inputs %+v", in)
	}
	if len(in.InstanceInfo.AppID) != 20 || in.InstanceInfo.InstanceIDSeed[0] != 0xaa || in.InstanceInfo.InstanceID != nil {
		t.Fatalf("instance info %+v", in.InstanceInfo)
	}
	if !bytes.Equal(in.EncryptedEnv.Bytes(), env) || len(in.EncryptedEnv.Ciphertext) != 20 {
		t.Fatalf("env %+v", in.EncryptedEnv)
	}
	if tok, err := LaunchToken(in.UserConfig); err != nil || tok != "x" {
		t.Fatalf("launch token %q %v", tok, err)
	}
}

func TestReadOptionalAbsent(t *testing.T) {
	in, err := Read(writeDir(t, map[string][]byte{AppComposeFile: []byte(testCompose), SysConfigFile: []byte(testSysConfig)}))
	if err != nil {
		t.Fatal(err)
	}
	if in.InstanceInfo != nil || in.EncryptedEnv != nil || in.UserConfig != nil {
		t.Fatalf("optional files: %+v", in)
	}
}

// TestReadRejects: each bad file is refused with an error naming it.
func TestReadRejects(t *testing.T) {
	good := map[string][]byte{AppComposeFile: []byte(testCompose), SysConfigFile: []byte(testSysConfig)}
	cases := []struct {
		name, file string
		content    []byte
		want       string
	}{
		{"compose not JSON", AppComposeFile, []byte("{"), "app-compose.json"},
		{"compose unknown runner", AppComposeFile, []byte(`{"runner":"podman"}`), "runner"},
		{"compose manifest 4", AppComposeFile, []byte(`{"manifest_version":"4","runner":"bash"}`), "manifest_version 4"},
		{"compose requirements on v2", AppComposeFile, []byte(`{"manifest_version":2,"runner":"bash","requirements":{}}`), "requirements need"},
		{"compose event log v3", AppComposeFile, []byte(`{"runner":"bash","event_log_version":3}`), "event_log_version"},
		{"compose too large", AppComposeFile, bytes.Repeat([]byte(" "), MaxAppCompose+1), "cap"},
		{"sys-config trailing", SysConfigFile, []byte(testSysConfig + "{}"), ".sys-config.json"},
		{"sys-config no vm_config", SysConfigFile, []byte(`{"kms_urls":[]}`), "vm_config is missing"},
		{"sys-config vm_config not JSON", SysConfigFile, []byte(`{"vm_config":"nope"}`), "vm_config"},
		{"sys-config bad kms url", SysConfigFile, []byte(`{"kms_urls":["file:///etc/passwd"],"vm_config":"{}"}`), "not http"},
		{"sys-config too large", SysConfigFile, bytes.Repeat([]byte(" "), MaxSysConfig+1), "cap"},
		{"sys-config guest without chain", SysConfigFile, []byte(`{"vm_config":"{}","dstack_go_guest":{"chain_rpc":"http://c","kms_contract":"0xab"}}`), "chain_id"},
		{"sys-config guest seedless TEE", SysConfigFile, []byte(`{"vm_config":"{}","dstack_go_guest":{"chain_rpc":"http://c","chain_id":1,"kms_contract":"0xab","insecure_simulated_tee":{}}}`), "no seed"},
		{"sys-config guest not an object", SysConfigFile, []byte(`{"vm_config":"{}","dstack_go_guest":[]}`), ".sys-config.json"},
		{"instance info short app id", InstanceInfoFile, []byte(`{"app_id":"0102"}`), "app_id of 2 bytes"},
		{"instance info bad hex", InstanceInfoFile, []byte(`{"app_id":"zz"}`), ".instance_info"},
		{"instance info long seed", InstanceInfoFile, []byte(`{"instance_id_seed":"` + strings.Repeat("00", 65) + `"}`), "instance_id_seed"},
		{"encrypted env short", EncryptedEnvFile, make([]byte, 59), "at least 60"},
		{"encrypted env too large", EncryptedEnvFile, make([]byte, MaxEncryptedEnv+1), "cap"},
		{"user config too large", UserConfigFile, make([]byte, MaxUserConfig+1), "cap"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files := map[string][]byte{}
			for k, v := range good {
				files[k] = v
			}
			files[c.file] = c.content
			_, err := Read(writeDir(t, files))
			if err == nil || !strings.Contains(err.Error(), c.file) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one naming %s and %q", err, c.file, c.want)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
		})
	}
}

func TestReadRequiredMissingAndSymlink(t *testing.T) {
	dir := writeDir(t, map[string][]byte{SysConfigFile: []byte(testSysConfig)})
	if _, err := Read(dir); err == nil || !strings.Contains(err.Error(), AppComposeFile) {
		t.Fatalf("missing compose: %v", err)
	}
	target := filepath.Join(t.TempDir(), "c.json")
	os.WriteFile(target, []byte(testCompose), 0o600)
	os.Symlink(target, filepath.Join(dir, AppComposeFile))
	if _, err := Read(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("symlinked compose: %v", err)
	}
}

func TestLaunchTokenRejects(t *testing.T) {
	for _, b := range []string{"", "{", `{"dstack":{}}`, `{"dstack":{"launch_token":1}}`, `{} {}`} {
		if _, err := LaunchToken([]byte(b)); err == nil || !strings.Contains(err.Error(), UserConfigFile) {
			t.Fatalf("%q: %v", b, err)
		}
	}
}

func TestInstanceInfoRoundTrip(t *testing.T) {
	in, err := ParseInstanceInfo([]byte(testInstance))
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseInstanceInfo(in.Marshal())
	if err != nil || !bytes.Equal(back.AppID, in.AppID) || !bytes.Equal(back.InstanceIDSeed, in.InstanceIDSeed) {
		t.Fatalf("%+v %v", back, err)
	}
}

func FuzzParseAppCompose(f *testing.F) {
	f.Add([]byte(testCompose))
	f.Add([]byte(`{"manifest_version":"3","runner":"bash","requirements":{"platforms":["dstack-tdx"]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if c, err := ParseAppCompose(b); err == nil && !bytes.Equal(c.Raw(), b) {
			t.Fatal("raw bytes not kept")
		}
	})
}

func FuzzParseSysConfig(f *testing.F) {
	f.Add([]byte(testSysConfig))
	f.Add([]byte(`{"tproxy_urls":["https://g"],"vm_config":"{}"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if c, err := ParseSysConfig(b); err == nil && c.VMConfig == "" {
			t.Fatal("accepted without vm_config")
		}
	})
}

func FuzzParseInstanceInfo(f *testing.F) {
	f.Add([]byte(testInstance))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if i, err := ParseInstanceInfo(b); err == nil && len(i.AppID) != 0 && len(i.AppID) != 20 {
			t.Fatal("bad app id accepted")
		}
	})
}

func FuzzParseEncryptedEnv(f *testing.F) {
	f.Add(make([]byte, 60))
	f.Fuzz(func(t *testing.T, b []byte) {
		if e, err := ParseEncryptedEnv(b); err == nil && !bytes.Equal(e.Bytes(), b) {
			t.Fatal("round trip")
		}
	})
}

func FuzzLaunchToken(f *testing.F) {
	f.Add([]byte(`{"dstack":{"launch_token":"x"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if tok, err := LaunchToken(b); err == nil && tok == "" {
			t.Fatal("empty token accepted")
		}
	})
}
