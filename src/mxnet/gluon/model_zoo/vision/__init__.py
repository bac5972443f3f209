"""``gluon.model_zoo.vision``: ImageNet classification networks of MXNet 1.9.1's model zoo.

    net = vision.get_model("resnet18_v1", classes=10)       # by name, or
    net = vision.resnet18_v1(pretrained=True, root="models") # <root>/resnet18_v1-a0666292.params

Every constructor takes ``classes``, ``pretrained``, ``ctx`` and ``root``; parameter names
(``resnetv10_conv0_weight`` ...) and ``save_parameters`` keys equal MXNet's, so parameter files
interchange. Inputs are NCHW float32 images, 224x224 (299x299 for Inception v3)."""
from .alexnet import *  # noqa: F401,F403
from .densenet import *  # noqa: F401,F403
from .inception import *  # noqa: F401,F403
from .mobilenet import *  # noqa: F401,F403
from .resnet import *  # noqa: F401,F403
from .squeezenet import *  # noqa: F401,F403
from .vgg import *  # noqa: F401,F403


def get_model(name, **kwargs):
    """The model called ``name`` (``resnet18_v1``, ``vgg16_bn``, ``mobilenet0.25``, ``mobilenetv2_1.0``,
    ``squeezenet1.1``, ``densenet121``, ``inceptionv3``, ``alexnet`` ...), built with ``kwargs``
    (``classes``, ``pretrained``, ``ctx``, ``root`` and the constructor's own options)."""
    models = {"resnet18_v1": resnet18_v1, "resnet34_v1": resnet34_v1, "resnet50_v1": resnet50_v1,
              "resnet101_v1": resnet101_v1, "resnet152_v1": resnet152_v1,
              "resnet18_v2": resnet18_v2, "resnet34_v2": resnet34_v2, "resnet50_v2": resnet50_v2,
              "resnet101_v2": resnet101_v2, "resnet152_v2": resnet152_v2,
              "vgg11": vgg11, "vgg13": vgg13, "vgg16": vgg16, "vgg19": vgg19,
              "vgg11_bn": vgg11_bn, "vgg13_bn": vgg13_bn, "vgg16_bn": vgg16_bn, "vgg19_bn": vgg19_bn,
              "alexnet": alexnet,
              "densenet121": densenet121, "densenet161": densenet161, "densenet169": densenet169,
              "densenet201": densenet201,
              "squeezenet1.0": squeezenet1_0, "squeezenet1.1": squeezenet1_1,
              "inceptionv3": inception_v3,
              "mobilenet1.0": mobilenet1_0, "mobilenet0.75": mobilenet0_75, "mobilenet0.5": mobilenet0_5,
              "mobilenet0.25": mobilenet0_25,
              "mobilenetv2_1.0": mobilenet_v2_1_0, "mobilenetv2_0.75": mobilenet_v2_0_75,
              "mobilenetv2_0.5": mobilenet_v2_0_5, "mobilenetv2_0.25": mobilenet_v2_0_25}
    name = name.lower()
    if name not in models:
        raise ValueError("Model %s is not supported. Available options are\n\t%s" % (
            name, "\n\t".join(sorted(models.keys()))))
    return models[name](**kwargs)
