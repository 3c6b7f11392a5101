namespace LatentSharp.Export;

/// <summary>
/// One ONNX graph being built (nodes, initializers, inputs, outputs) and the <c>ModelProto</c> it makes, in the field
/// numbers of onnx.proto. Values are named as nodes produce them; the first dimension of inputs and outputs is the batch.
/// </summary>
internal sealed class OnnxGraph(string name)
{
    /// <summary>The operator set every node is from (ONNX 1.12, ONNX Runtime 1.12 and later).</summary>
    public const int Opset = 17;

    // onnx.proto's IR version of opset 17, and TensorProto.DataType values.
    private const int IrVersion = 8;
    public const int FloatType = 1, Int64Type = 7;
    private const string Batch = "batch";

    private readonly List<Action<ProtobufWriter>> _nodes = [];
    private readonly List<Action<ProtobufWriter>> _initializers = [];
    private readonly List<Action<ProtobufWriter>> _inputs = [];
    private readonly List<Action<ProtobufWriter>> _outputs = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    /// <summary>A graph input [batch, features…] of <paramref name="elementType"/>.</summary>
    public string Input(string value, int elementType, params long[] features)
    {
        Claim(value);
        _inputs.Add(w => ValueInfo(w, value, elementType, features));
        return value;
    }

    /// <summary>Makes <paramref name="value"/> the graph output <paramref name="output"/> [batch, features…] (a float tensor).</summary>
    public void Output(string value, string output, params long[] features)
    {
        if (value != output) Node("Identity", [value], output: output);
        _outputs.Add(w => ValueInfo(w, output, FloatType, features));
    }

    /// <summary>A float initializer of <paramref name="shape"/>, little-endian as the format stores raw data.</summary>
    public string Floats(string value, ReadOnlySpan<int> shape, ReadOnlySpan<float> data)
    {
        Claim(value);
        long[] dims = [.. shape.ToArray().Select(d => (long)d)];
        byte[] raw = new byte[data.Length * sizeof(float)];
        for (int i = 0; i < data.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * 4), data[i]);
        _initializers.Add(w => TensorProto(w, value, FloatType, dims, raw));
        return value;
    }

    /// <summary>An int64 initializer: a vector, or a scalar when <paramref name="values"/> is one number and <paramref name="scalar"/> is set.</summary>
    public string Int64s(string value, long[] values, bool scalar = false)
    {
        Claim(value);
        byte[] raw = new byte[values.Length * sizeof(long)];
        for (int i = 0; i < values.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(i * 8), values[i]);
        long[] dims = scalar ? [] : [values.Length];
        _initializers.Add(w => TensorProto(w, value, Int64Type, dims, raw));
        return value;
    }

    /// <summary>A float scalar initializer.</summary>
    public string Scalar(string value, float number) => Floats(value, [], [number]);

    /// <summary>A node of <paramref name="op"/> on <paramref name="inputs"/>; returns its output's name.</summary>
    public string Node(string op, string[] inputs, OnnxAttribute[]? attributes = null, string? output = null)
    {
        output ??= $"{op}_{_nodes.Count}";
        Claim(output);
        string nodeName = $"{op}_node_{_nodes.Count}";
        _nodes.Add(w =>
        {
            foreach (string input in inputs) w.String(1, input);
            w.String(2, output);
            w.String(3, nodeName);
            w.String(4, op);
            foreach (OnnxAttribute attribute in attributes ?? []) w.Message(5, attribute.Write);
        });
        return output;
    }

    /// <summary>The serialized <c>ModelProto</c>.</summary>
    public byte[] ToModel(string producerVersion, string description)
    {
        var model = new ProtobufWriter();
        model.Varint(1, IrVersion);
        model.String(2, "LatentSharp");
        model.String(3, producerVersion);
        model.String(6, description);
        model.Message(7, graph =>
        {
            foreach (var node in _nodes) graph.Message(1, node);
            graph.String(2, name);
            foreach (var initializer in _initializers) graph.Message(5, initializer);
            foreach (var input in _inputs) graph.Message(11, input);
            foreach (var output in _outputs) graph.Message(12, output);
        });
        model.Message(8, opset =>
        {
            opset.String(1, "");
            opset.Varint(2, Opset);
        });
        return model.ToArray();
    }

    private void Claim(string value)
    {
        if (!_names.Add(value)) throw new InvalidOperationException($"The ONNX graph '{name}' already has a value named '{value}'.");
    }

    private static void TensorProto(ProtobufWriter w, string value, int elementType, long[] dims, byte[] raw)
    {
        foreach (long d in dims) w.Varint(1, d);
        w.Varint(2, elementType);
        w.String(8, value);
        w.Bytes(9, raw);
    }

    // ValueInfoProto { name, TypeProto { tensor_type { elem_type, shape { dim… } } } } with a symbolic batch dimension.
    private static void ValueInfo(ProtobufWriter w, string value, int elementType, long[] features)
    {
        w.String(1, value);
        w.Message(2, type => type.Message(1, tensor =>
        {
            tensor.Varint(1, elementType);
            tensor.Message(2, shape =>
            {
                shape.Message(1, dim => dim.String(2, Batch));
                foreach (long f in features) shape.Message(1, dim => dim.Varint(1, f));
            });
        }));
    }
}

/// <summary>One attribute of an ONNX node: an int, a float or a list of ints (AttributeProto, its type named as onnx.proto numbers it).</summary>
internal sealed class OnnxAttribute
{
    private const int FloatType = 1, IntType = 2, IntsType = 7;

    private readonly string _name;
    private readonly Action<ProtobufWriter> _value;
    private readonly int _type;

    private OnnxAttribute(string name, int type, Action<ProtobufWriter> value) => (_name, _type, _value) = (name, type, value);

    public static OnnxAttribute Int(string name, long value) => new(name, IntType, w => w.Varint(3, value));

    public static OnnxAttribute Float(string name, float value) => new(name, FloatType, w => w.Float(2, value));

    public static OnnxAttribute Ints(string name, params long[] values) => new(name, IntsType, w =>
    {
        foreach (long v in values) w.Varint(8, v);
    });

    public void Write(ProtobufWriter w)
    {
        w.String(1, _name);
        _value(w);
        w.Varint(20, _type);
    }
}
