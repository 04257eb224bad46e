using System.Text;

namespace IrisTrainer;

/// <summary>
/// The few protobuf wire-format primitives an ONNX file needs (varints, length-delimited fields,
/// packed floats). Hand-written so the example trainer builds with no packages at all.
/// </summary>
internal sealed class ProtoWriter
{
    private readonly List<byte> _buffer = [];

    public byte[] ToArray() => _buffer.ToArray();

    public ProtoWriter Int(int field, long value)
    {
        Tag(field, 0);
        Varint((ulong)value);
        return this;
    }

    public ProtoWriter String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public ProtoWriter Message(int field, ProtoWriter message) => Bytes(field, message.ToArray());

    public ProtoWriter Floats(int field, IEnumerable<float> values)
    {
        var packed = values.SelectMany(BitConverter.GetBytes).ToArray();
        return Bytes(field, packed);
    }

    public ProtoWriter Float(int field, float value)
    {
        Tag(field, 5);
        _buffer.AddRange(BitConverter.GetBytes(value));
        return this;
    }

    private ProtoWriter Bytes(int field, byte[] bytes)
    {
        Tag(field, 2);
        Varint((ulong)bytes.Length);
        _buffer.AddRange(bytes);
        return this;
    }

    private void Tag(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

    private void Varint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.Add((byte)(value | 0x80));
            value >>= 7;
        }
        _buffer.Add((byte)value);
    }
}
