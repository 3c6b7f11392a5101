namespace LatentSharp.Tensors;

// Add, Subtract, Multiply, Divide with NumPy broadcasting: forward and backward side by side.
public sealed partial class Tensor
{
    /// <summary>Elementwise <c>this + other</c> with NumPy broadcasting; throws <see cref="ArgumentException"/> when the shapes do not broadcast.</summary>
    public Tensor Add(Tensor other)
    {
        Tensor a = this, b = other;
        Tensor y = Empty(Broadcasting.OutputShape(a._shape, b._shape, nameof(Add)));
        Broadcasting.Apply<AddFunction>(a._data, a._shape, b._data, b._shape, y._data, y._shape);
        return y.Recorded(() =>
        {
            // y = a + b  =>  da += g, db += g (summed over broadcast dims)
            if (a.GradToAccumulate(out bool overwriteA) is { } ga) Broadcasting.AccumulateReduced(y.OutputGrad, y._shape, ga, a._shape, overwriteA);
            if (b.GradToAccumulate(out bool overwriteB) is { } gb) Broadcasting.AccumulateReduced(y.OutputGrad, y._shape, gb, b._shape, overwriteB);
        }, a, b);
    }

    /// <summary>Elementwise <c>this - other</c> with NumPy broadcasting; throws <see cref="ArgumentException"/> when the shapes do not broadcast.</summary>
    public Tensor Subtract(Tensor other)
    {
        Tensor a = this, b = other;
        Tensor y = Empty(Broadcasting.OutputShape(a._shape, b._shape, nameof(Subtract)));
        Broadcasting.Apply<SubtractFunction>(a._data, a._shape, b._data, b._shape, y._data, y._shape);
        return y.Recorded(() =>
        {
            // y = a - b  =>  da += g, db -= g
            if (a.GradToAccumulate(out bool overwriteA) is { } ga) Broadcasting.AccumulateReduced(y.OutputGrad, y._shape, ga, a._shape, overwriteA);
            if (b.GradToAccumulate(out bool overwriteB) is { } gb)
            {
                using var negated = Scratch.Rent(y.Length);
                System.Numerics.Tensors.TensorPrimitives.Negate(y.OutputGrad, negated.Span);
                Broadcasting.AccumulateReduced(negated.Span, y._shape, gb, b._shape, overwriteB);
            }
        }, a, b);
    }

    /// <summary>Elementwise <c>this * other</c> with NumPy broadcasting; throws <see cref="ArgumentException"/> when the shapes do not broadcast.</summary>
    public Tensor Multiply(Tensor other)
    {
        Tensor a = this, b = other;
        Tensor y = Empty(Broadcasting.OutputShape(a._shape, b._shape, nameof(Multiply)));
        Broadcasting.Apply<MultiplyFunction>(a._data, a._shape, b._data, b._shape, y._data, y._shape);
        return y.Recorded(() =>
        {
            // y = a * b  =>  da += g * b, db += g * a
            using var product = Scratch.Rent(y.Length);
            if (a.GradToAccumulate(out bool overwriteA) is { } ga)
            {
                Broadcasting.Apply<MultiplyFunction>(y.OutputGrad, y._shape, b._data, b._shape, product.Span, y._shape);
                Broadcasting.AccumulateReduced(product.Span, y._shape, ga, a._shape, overwriteA);
            }
            if (b.GradToAccumulate(out bool overwriteB) is { } gb)
            {
                Broadcasting.Apply<MultiplyFunction>(y.OutputGrad, y._shape, a._data, a._shape, product.Span, y._shape);
                Broadcasting.AccumulateReduced(product.Span, y._shape, gb, b._shape, overwriteB);
            }
        }, a, b);
    }

    /// <summary>Elementwise <c>this / other</c> with NumPy broadcasting; throws <see cref="ArgumentException"/> when the shapes do not broadcast.</summary>
    public Tensor Divide(Tensor other)
    {
        Tensor a = this, b = other;
        Tensor y = Empty(Broadcasting.OutputShape(a._shape, b._shape, nameof(Divide)));
        Broadcasting.Apply<DivideFunction>(a._data, a._shape, b._data, b._shape, y._data, y._shape);
        return y.Recorded(() =>
        {
            // y = a / b  =>  da += g / b, db -= g * y / b
            using var scratch = Scratch.Rent(y.Length);
            Span<float> s = scratch.Span;
            Broadcasting.Apply<DivideFunction>(y.OutputGrad, y._shape, b._data, b._shape, s, y._shape);   // g / b
            if (a.GradToAccumulate(out bool overwriteA) is { } ga) Broadcasting.AccumulateReduced(s, y._shape, ga, a._shape, overwriteA);
            if (b.GradToAccumulate(out bool overwriteB) is { } gb)
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(s, y._data, s);
                System.Numerics.Tensors.TensorPrimitives.Negate(s, s);
                Broadcasting.AccumulateReduced(s, y._shape, gb, b._shape, overwriteB);
            }
        }, a, b);
    }

    /// <summary><paramref name="value"/> added to every element.</summary>
    public Tensor Add(float value) => Add(Constant(value));
    /// <summary><paramref name="value"/> subtracted from every element.</summary>
    public Tensor Subtract(float value) => Subtract(Constant(value));
    /// <summary>Every element times <paramref name="value"/>.</summary>
    public Tensor Multiply(float value) => Multiply(Constant(value));
    /// <summary>Every element divided by <paramref name="value"/>.</summary>
    public Tensor Divide(float value) => Divide(Constant(value));

    /// <summary>Elementwise sum with broadcasting (<see cref="Add(Tensor)"/>).</summary>
    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);
    /// <summary>Elementwise difference with broadcasting (<see cref="Subtract(Tensor)"/>).</summary>
    public static Tensor operator -(Tensor a, Tensor b) => a.Subtract(b);
    /// <summary>Elementwise product with broadcasting (<see cref="Multiply(Tensor)"/>).</summary>
    public static Tensor operator *(Tensor a, Tensor b) => a.Multiply(b);
    /// <summary>Elementwise quotient with broadcasting (<see cref="Divide(Tensor)"/>).</summary>
    public static Tensor operator /(Tensor a, Tensor b) => a.Divide(b);
    /// <summary><paramref name="b"/> added to every element of <paramref name="a"/>.</summary>
    public static Tensor operator +(Tensor a, float b) => a.Add(b);
    /// <summary><paramref name="b"/> subtracted from every element of <paramref name="a"/>.</summary>
    public static Tensor operator -(Tensor a, float b) => a.Subtract(b);
    /// <summary>Every element of <paramref name="a"/> times <paramref name="b"/>.</summary>
    public static Tensor operator *(Tensor a, float b) => a.Multiply(b);
    /// <summary>Every element of <paramref name="a"/> divided by <paramref name="b"/>.</summary>
    public static Tensor operator /(Tensor a, float b) => a.Divide(b);
    /// <summary><paramref name="a"/> added to every element of <paramref name="b"/>.</summary>
    public static Tensor operator +(float a, Tensor b) => b.Add(a);
    /// <summary><paramref name="a"/> minus every element of <paramref name="b"/>.</summary>
    public static Tensor operator -(float a, Tensor b) => Constant(a).Subtract(b);
    /// <summary><paramref name="a"/> times every element of <paramref name="b"/>.</summary>
    public static Tensor operator *(float a, Tensor b) => b.Multiply(a);
    /// <summary><paramref name="a"/> divided by every element of <paramref name="b"/>.</summary>
    public static Tensor operator /(float a, Tensor b) => Constant(a).Divide(b);
    /// <summary>Every element negated (<see cref="Negate"/>).</summary>
    public static Tensor operator -(Tensor a) => a.Negate();

    /// <summary>A one-element constant (from the arena when one is active).</summary>
    internal static Tensor Constant(float value)
    {
        Tensor c = Empty([1]);
        c._data[0] = value;
        return c;
    }
}
