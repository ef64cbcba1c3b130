using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace GradGen;

/// <summary>
/// Forward primitives for <see cref="DifferentiableAttribute"/> methods. Each has a matching backward kernel in
/// <see cref="Adjoint"/>, which the generated <c>Backward</c> methods call.
/// </summary>
/// <remarks>
/// <para>Inputs may be any tensors, including strided views such as <see cref="Tensor.Transpose{T}(Tensor{T})"/>;
/// inputs are never modified, and every tensor result is a new dense tensor — except <see cref="Reshape{T}"/> of a dense
/// tensor, which is a view sharing the input's storage (see Ops.Views.cs for what copies).</para>
/// <para>Binary element-wise operations broadcast like numpy: shapes are aligned at their trailing dimensions, and a
/// dimension that is 1 or missing stretches to the other operand's length (<c>[2, 3] + [3]</c>, <c>[4, 1] + [1, 5]</c>).
/// Where one operand's shape broadcasts to the other's, results equal those of the <c>Tensor&lt;T&gt;</c> operators; where
/// both operands must stretch (<c>[2, 1] + [1, 3]</c>), <c>Ops</c> gives numpy's <c>[2, 3]</c> (the operators of
/// System.Numerics.Tensors 10.0.0 do not). Tensors of any rank ≥ 1 are accepted.</para>
/// <para>Shape mismatches throw <see cref="ArgumentException"/> naming the operation and the shapes; null tensors throw
/// <see cref="ArgumentNullException"/>.</para>
/// </remarks>
public static partial class Ops
{
    // Each op family lives in its own file: Ops.<Family>.cs.
}
