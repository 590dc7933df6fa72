package serverstorage

import (
	"fmt"
	"mime"

	"github.com/kubewalk/kubewalk/server/storage/storagebackend"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer/recognizer"
)

// StorageCodecConfig is what a storage codec is made of.
type StorageCodecConfig struct {
	// StorageMediaType is the media type objects are written in.
	StorageMediaType string
	// StorageSerializer has a serializer for each media type.
	StorageSerializer runtime.StorageSerializer
	// StorageVersion is the version objects are written in;
	// MemoryVersion the one they are read as.
	StorageVersion schema.GroupVersion
	MemoryVersion  schema.GroupVersion
	// Config is the storage's config.
	Config storagebackend.Config
}

// NewStorageCodec returns the codec that writes objects at the storage
// version in the storage media type, and reads whatever media type it
// finds (JSON, YAML or protobuf) into the memory version: changing
// --storage-media-type leaves what is stored readable.
func NewStorageCodec(opts StorageCodecConfig) (runtime.Codec, error) {
	mediaType, _, err := mime.ParseMediaType(opts.StorageMediaType)
	if err != nil {
		return nil, fmt.Errorf("%q is not a valid mime-type", opts.StorageMediaType)
	}
	info, ok := runtime.SerializerInfoForMediaType(opts.StorageSerializer.SupportedMediaTypes(), mediaType)
	if !ok {
		return nil, fmt.Errorf("unable to find serializer for %q", mediaType)
	}
	decoders := []runtime.Decoder{
		info.Serializer, // the configured media type first
		opts.StorageSerializer.UniversalDeserializer(), // then any
	}
	encoder := opts.StorageSerializer.EncoderForVersion(info.Serializer, opts.StorageVersion)
	decoder := opts.StorageSerializer.DecoderToVersion(recognizer.NewDecoder(decoders...), opts.MemoryVersion)
	return runtime.NewCodec(encoder, decoder), nil
}
