package datadisk

import (
	"fmt"
	"os"

	"github.com/diskfs/go-diskfs/backend/file"
	"github.com/diskfs/go-diskfs/filesystem/ext4"
)

// MakeExt4 creates an ext4 filesystem of size bytes on device, with 4 KiB
// blocks and a journal, and without the resize inode (which go-diskfs does
// not write in the form e2fsck expects).
func MakeExt4(device string, size int64) error {
	f, err := os.OpenFile(device, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = ext4.Create(file.New(f, false), size, 0, 512, &ext4.Params{
		SectorsPerBlock: 8,
		VolumeName:      "dstack-data",
		Features:        []ext4.FeatureOpt{ext4.WithFeatureReservedGDTBlocksForExpansion(false)},
	})
	if err != nil {
		return fmt.Errorf("go-diskfs ext4: %w", err)
	}
	return f.Sync()
}
