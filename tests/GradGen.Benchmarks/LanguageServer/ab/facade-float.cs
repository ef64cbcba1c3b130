// Measurement only (variants.py shim): a non-generic float facade over GradGen.Ops / Adjoint / Workspace — do generic call sites cost?
using T = System.Numerics.Tensors.Tensor<float>;
namespace Scale
{
    internal static class AdjointF
    {
        public static void Identity(T dY, T into, bool overwrite = false) => global::GradGen.Adjoint.Identity(dY, into, overwrite);
        public static void MatMulLeft(T dY, T b, T into, bool overwrite = false) => global::GradGen.Adjoint.MatMulLeft(dY, b, into, overwrite);
        public static void MatMulRight(T a, T dY, T into, bool overwrite = false) => global::GradGen.Adjoint.MatMulRight(a, dY, into, overwrite);
        public static void Mean(float dS, T into) => global::GradGen.Adjoint.Mean(dS, into);
        public static void Multiply(T dY, T other, T into) => global::GradGen.Adjoint.Multiply(dY, other, into);
        public static T Reduce(T dY, T like) => global::GradGen.Adjoint.Reduce(dY, like);
        public static void Relu(T dY, T x, T into, bool overwrite = false) => global::GradGen.Adjoint.Relu(dY, x, into, overwrite);
        public static void Tanh(T dY, T y, T into, bool overwrite = false) => global::GradGen.Adjoint.Tanh(dY, y, into, overwrite);
        public static void SoftmaxCrossEntropy(float dL, T logits, int[] targets, T into, bool overwrite = false) => global::GradGen.Adjoint.SoftmaxCrossEntropy(dL, logits, targets, into, overwrite);
        public static T Uninitialized(T like) => global::GradGen.Adjoint.Uninitialized(like);
    }
    internal static class OpsF
    {
        public static T MatMul(T a, T b) => global::GradGen.Ops.MatMul(a, b);
        public static float Mean(T x) => global::GradGen.Ops.Mean(x);
        public static T OperatorAdd(T a, T b) => global::GradGen.Ops.OperatorAdd(a, b);
        public static T OperatorMultiply(T a, T b) => global::GradGen.Ops.OperatorMultiply(a, b);
        public static T Relu(T x) => global::GradGen.Ops.Relu(x);
        public static T Tanh(T x) => global::GradGen.Ops.Tanh(x);
        public static float SoftmaxCrossEntropy(T logits, int[] t) => global::GradGen.Ops.SoftmaxCrossEntropy(logits, t);
        public static T ZerosLike(T x) => global::GradGen.Ops.ZerosLike(x);
    }
    internal static class WorkspaceF
    {
        public static void Release(T x) => global::GradGen.Workspace.Release(x);
    }
}
