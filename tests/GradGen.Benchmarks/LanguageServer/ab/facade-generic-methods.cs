// Measurement only (variants.py shimm): generic methods, one overload each (GradGen.Ops has several of some names).

namespace Scale
{
    internal static class AdjointM
    {
        public static void Identity<E>(System.Numerics.Tensors.Tensor<E> dY, System.Numerics.Tensors.Tensor<E> into, bool overwrite = false) where E : System.Numerics.IFloatingPointIeee754<E> => global::GradGen.Adjoint.Identity(dY, into, overwrite);
        public static void MatMulLeft<E>(System.Numerics.Tensors.Tensor<E> dY, System.Numerics.Tensors.Tensor<E> b, System.Numerics.Tensors.Tensor<E> into, bool overwrite = false) where E : System.Numerics.IFloatingPointIeee754<E> => global::GradGen.Adjoint.MatMulLeft(dY, b, into, overwrite);
        public static void MatMulRight<E>(System.Numerics.Tensors.Tensor<E> a, System.Numerics.Tensors.Tensor<E> dY, System.Numerics.Tensors.Tensor<E> into, bool overwrite = false) where E : System.Numerics.IFloatingPointIeee754<E> => global::GradGen.Adjoint.MatMulRight(a, dY, into, overwrite);
        public static void Mean<E>(E dS, System.Numerics.Tensors.Tensor<E> into) where E : System.Numerics.IFloatingPointIeee754<E> => global::GradGen.Adjoint.Mean(dS, into);
        public static void Multiply<E>(System.Numerics.Tensors.Tensor<E> dY, System.Numerics.Tensors.Tensor<E> other, System.Numerics.Tensors.Tensor<E> into) where E : System.Numerics.IFloatingPointIeee754<E> => global::GradGen.Adjoint.Multiply(dY, other, into);
        public static System.Numerics.Tensors.Tensor<E> Reduce<E>(System.Numerics.Tensors.Tensor<E> dY, System.Numerics.Tensors.Tensor<E> like) where E : System.Numerics.IFloatingPointIeee754<E> => global::GradGen.Adjoint.Reduce(dY, like);
        public static void Relu<E>(System.Numerics.Tensors.Tensor<E> dY, System.Numerics.Tensors.Tensor<E> x, System.Numerics.Tensors.Tensor<E> into, bool overwrite = false) where E : System.Numerics.IFloatingPointIeee754<E> => global::GradGen.Adjoint.Relu(dY, x, into, overwrite);
        public static void Tanh<E>(System.Numerics.Tensors.Tensor<E> dY, System.Numerics.Tensors.Tensor<E> y, System.Numerics.Tensors.Tensor<E> into, bool overwrite = false) where E : System.Numerics.IFloatingPointIeee754<E> => global::GradGen.Adjoint.Tanh(dY, y, into, overwrite);
        public static void SoftmaxCrossEntropy<E>(E dL, System.Numerics.Tensors.Tensor<E> logits, int[] targets, System.Numerics.Tensors.Tensor<E> into, bool overwrite = false) where E : System.Numerics.IFloatingPointIeee754<E> => global::GradGen.Adjoint.SoftmaxCrossEntropy(dL, logits, targets, into, overwrite);
        public static System.Numerics.Tensors.Tensor<E> Uninitialized<E>(System.Numerics.Tensors.Tensor<E> like) where E : System.Numerics.IFloatingPointIeee754<E> => global::GradGen.Adjoint.Uninitialized(like);
    }
    internal static class OpsM
    {
        public static System.Numerics.Tensors.Tensor<E> MatMul<E>(System.Numerics.Tensors.Tensor<E> a, System.Numerics.Tensors.Tensor<E> b) where E : System.Numerics.IFloatingPointIeee754<E> => global::GradGen.Ops.MatMul(a, b);
        public static E Mean<E>(System.Numerics.Tensors.Tensor<E> x) where E : System.Numerics.IFloatingPointIeee754<E> => global::GradGen.Ops.Mean(x);
        public static System.Numerics.Tensors.Tensor<E> OperatorAdd<E>(System.Numerics.Tensors.Tensor<E> a, System.Numerics.Tensors.Tensor<E> b) where E : System.Numerics.IFloatingPointIeee754<E> => global::GradGen.Ops.OperatorAdd(a, b);
        public static System.Numerics.Tensors.Tensor<E> OperatorMultiply<E>(System.Numerics.Tensors.Tensor<E> a, System.Numerics.Tensors.Tensor<E> b) where E : System.Numerics.IFloatingPointIeee754<E> => global::GradGen.Ops.OperatorMultiply(a, b);
        public static System.Numerics.Tensors.Tensor<E> Relu<E>(System.Numerics.Tensors.Tensor<E> x) where E : System.Numerics.IFloatingPointIeee754<E> => global::GradGen.Ops.Relu(x);
        public static System.Numerics.Tensors.Tensor<E> Tanh<E>(System.Numerics.Tensors.Tensor<E> x) where E : System.Numerics.IFloatingPointIeee754<E> => global::GradGen.Ops.Tanh(x);
        public static E SoftmaxCrossEntropy<E>(System.Numerics.Tensors.Tensor<E> logits, int[] t) where E : System.Numerics.IFloatingPointIeee754<E> => global::GradGen.Ops.SoftmaxCrossEntropy(logits, t);
        public static System.Numerics.Tensors.Tensor<E> ZerosLike<E>(System.Numerics.Tensors.Tensor<E> x) where E : System.Numerics.IFloatingPointIeee754<E> => global::GradGen.Ops.ZerosLike(x);
    }
    internal static class WorkspaceM
    {
        public static void Release<E>(System.Numerics.Tensors.Tensor<E> x) where E : System.Numerics.IFloatingPointIeee754<E> => global::GradGen.Workspace.Release(x);
    }
}
