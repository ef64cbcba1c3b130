using System;
using System.Collections.Generic;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov &amp; Hutter; as PyTorch's <c>torch.optim.AdamW</c> and llm.c's
/// <c>gpt2_update</c>), over a fixed list of parameter tensors updated in place. It keeps two moment tensors per
/// parameter; a step allocates nothing.
/// </summary>
/// <remarks>
/// At step t (counting from 1), for every parameter p with gradient g, element-wise:
/// <code>
/// m ← β₁ m + (1 − β₁) g          v ← β₂ v + (1 − β₂) g²
/// m̂ = m / (1 − β₁ᵗ)               v̂ = v / (1 − β₂ᵗ)
/// p ← p − lr · (m̂ / (√v̂ + ε) + λ p)
/// </code>
/// The decay λ p uses the parameter before the step and is not scaled by the moments (it is decoupled from the gradient).
/// </remarks>
/// <typeparam name="T">float or double.</typeparam>
public sealed class AdamW<T> where T : IFloatingPointIeee754<T>
{
    private const string Name = "AdamW";
    private readonly Tensor<T>[] _parameters;
    private readonly T[][] _m;
    private readonly T[][] _v;

    /// <summary>Creates the optimizer for <paramref name="parameters"/>, with zero moments.</summary>
    /// <param name="parameters">The tensors to update, each dense (they are updated in place). The list is copied.</param>
    /// <param name="learningRate">lr; may be changed between steps through <see cref="LearningRate"/> (schedules).</param>
    /// <param name="beta1">β₁, the decay of the first moment.</param>
    /// <param name="beta2">β₂, the decay of the second moment.</param>
    /// <param name="epsilon">ε, added to √v̂.</param>
    /// <param name="weightDecay">λ, the decoupled weight decay.</param>
    /// <exception cref="ArgumentException">A parameter is not dense, or appears twice.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is out of range (β outside [0, 1), negative lr, ε or λ).</exception>
    public AdamW(IReadOnlyList<Tensor<T>> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
                 double epsilon = 1e-8, double weightDecay = 0.01)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, $"{Name}: beta1 must be in [0, 1).");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, $"{Name}: beta2 must be in [0, 1).");
        if (!(epsilon >= 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"{Name}: epsilon must be non-negative.");
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, $"{Name}: weightDecay must be non-negative.");
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        _parameters = new Tensor<T>[parameters.Count];
        _m = new T[parameters.Count][];
        _v = new T[parameters.Count][];
        var seen = new HashSet<Tensor<T>>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < _parameters.Length; i++)
        {
            Tensor<T> p = parameters[i] ?? throw new ArgumentNullException(nameof(parameters), $"{Name}: parameter {i} is null.");
            if (!p.IsDense) throw new ArgumentException($"{Name}: parameter {i} {TensorShape.Format(p)} is a strided view; parameters are updated in place and must be dense.", nameof(parameters));
            if (!seen.Add(p)) throw new ArgumentException($"{Name}: parameter {i} {TensorShape.Format(p)} appears twice in the list.", nameof(parameters));
            _parameters[i] = p;
            _m[i] = new T[p.FlattenedLength];
            _v[i] = new T[p.FlattenedLength];
        }
    }

    /// <summary>lr, the step size; set it between steps for a schedule.</summary>
    public double LearningRate
    {
        get;
        set => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, $"{Name}: the learning rate must be non-negative.");
    }

    /// <summary>β₁, the decay of the first moment.</summary>
    public double Beta1 { get; }

    /// <summary>β₂, the decay of the second moment.</summary>
    public double Beta2 { get; }

    /// <summary>ε, added to √v̂ in the denominator.</summary>
    public double Epsilon { get; }

    /// <summary>λ, the decoupled weight decay.</summary>
    public double WeightDecay { get; }

    /// <summary>The number of steps taken so far (t of the last step).</summary>
    public int Steps { get; private set; }

    /// <summary>The parameters, in the order given to the constructor.</summary>
    public IReadOnlyList<Tensor<T>> Parameters => _parameters;

    /// <summary>
    /// Takes one step: updates every parameter in place from its gradient (the same order and shapes as
    /// <see cref="Parameters"/>; gradients may be strided views).
    /// </summary>
    /// <param name="gradients">One gradient per parameter.</param>
    /// <exception cref="ArgumentException">The count or a shape differs from the parameters'.</exception>
    public void Step(IReadOnlyList<Tensor<T>> gradients)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        if (gradients.Count != _parameters.Length)
        {
            throw new ArgumentException($"{Name}.Step: {gradients.Count} gradients for {_parameters.Length} parameters.", nameof(gradients));
        }
        for (int i = 0; i < _parameters.Length; i++)
        {
            Tensor<T> g = gradients[i] ?? throw new ArgumentNullException(nameof(gradients), $"{Name}.Step: gradient {i} is null.");
            TensorShape.RequireSameShape($"{Name}.Step", $"parameter {i}", _parameters[i].Lengths, $"gradient {i}", g.Lengths);
        }
        int t = ++Steps;
        double correction1 = 1 - Math.Pow(Beta1, t), correction2 = 1 - Math.Pow(Beta2, t);
        T b1 = T.CreateChecked(Beta1), b2 = T.CreateChecked(Beta2);
        T oneMinusB1 = T.CreateChecked(1 - Beta1), oneMinusB2 = T.CreateChecked(1 - Beta2);
        T decay = T.CreateChecked(1 - LearningRate * WeightDecay);
        T stepSize = T.CreateChecked(-LearningRate / correction1);
        T inverseCorrection2 = T.CreateChecked(1 / correction2), eps = T.CreateChecked(Epsilon);
        const int Block = 4096;
        using var scratch = Scratch<T>.Rent(Block);
        for (int i = 0; i < _parameters.Length; i++)
        {
            Span<T> p = Dense.Span(_parameters[i]);
            ReadOnlySpan<T> gradient = Dense.Read(gradients[i]);
            for (int start = 0; start < p.Length; start += Block)
            {
                int length = Math.Min(Block, p.Length - start);
                ReadOnlySpan<T> g = gradient.Slice(start, length);
                Span<T> m = _m[i].AsSpan(start, length), v = _v[i].AsSpan(start, length), w = p.Slice(start, length);
                Span<T> s = scratch.Span.Slice(0, length);
                TensorPrimitives.Multiply(m, b1, m);
                TensorPrimitives.MultiplyAdd(g, oneMinusB1, m, m);       // m ← β₁ m + (1 − β₁) g
                TensorPrimitives.Multiply(g, g, s);
                TensorPrimitives.Multiply(v, b2, v);
                TensorPrimitives.MultiplyAdd(s, oneMinusB2, v, v);       // v ← β₂ v + (1 − β₂) g²
                TensorPrimitives.Multiply(v, inverseCorrection2, s);
                TensorPrimitives.Sqrt(s, s);
                TensorPrimitives.Add(s, eps, s);                         // √v̂ + ε
                TensorPrimitives.Divide(m, s, s);                        // m / (√v̂ + ε)
                TensorPrimitives.Multiply(w, decay, w);                  // p − lr λ p
                TensorPrimitives.MultiplyAdd(s, stepSize, w, w);         // − lr m̂ / (√v̂ + ε)
            }
        }
    }
}
