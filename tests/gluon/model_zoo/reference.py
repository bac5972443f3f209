"""Made by make_reference.py from real MXNet 1.9.1; do not edit."""

# name: (count, first, last, sha1 of names, sha1 of save_parameters keys, sha1 of name:shape)
PARAMS = {
    'resnet18_v1': (102, 'resnetv10_conv0_weight', 'resnetv10_dense0_bias', '46930043d102d1f0acfaf8233f172ec5036961eb', 'd633dd4308ae864127ad8cbbd1d32ca300b42700', 'a0164a6749bd7131a2bfcc1cd450b7bc2bcbf7b1'),
    'resnet34_v1': (182, 'resnetv10_conv0_weight', 'resnetv10_dense0_bias', '72a4ac0e994d779216d9e9e1d6731ccd768e51ab', '1adc5fd842514c951e7bb7bd19a15625e1dbe9d5', '20b37ce738dc365a29a017289ea9134bbecb5252'),
    'resnet50_v1': (299, 'resnetv10_conv0_weight', 'resnetv10_dense0_bias', '6acc969fb39a9fb215189b3740f1a35e20c304bc', 'fb737561b763eb8802f6dffc62eefb5a1303e367', 'ae0e8f54528e20fb6a921cee65e85e049c9e113d'),
    'resnet101_v1': (588, 'resnetv10_conv0_weight', 'resnetv10_dense0_bias', '637bc39b5bec4c71fbf5f40de75d6d41eb32c33c', '3aa9028f6e48e881ea407bb9c8ae7d7e6b0cf205', '4060ed47e13cb5154d80535ed69330a8e5d693a5'),
    'resnet152_v1': (877, 'resnetv10_conv0_weight', 'resnetv10_dense0_bias', '17bc21744320ae650c5e300b7765166b85992b34', '6fb7493a52467b5358986278325c1b8645c4ac13', 'ba4e22114c9c776b53a96cb9c3e583541c02bcf3'),
    'resnet18_v2': (98, 'resnetv20_batchnorm0_gamma', 'resnetv20_dense0_bias', '7dc421e7cea438dc545b9341d0ca73124e189360', '4e6562bf4458417730d46112b9f6ef109fb820cf', '2bf7034ce6485fc0e8f8977e2471b1b2ba674ecb'),
    'resnet34_v2': (178, 'resnetv20_batchnorm0_gamma', 'resnetv20_dense0_bias', '4c131940149ba4dc0cce6e51a3b0601309d1597f', '962b88477ffdb138107b650eac56207600283d1e', '372de3fff877c0bbeb089fe05b3966bc7b3a939c'),
    'resnet50_v2': (259, 'resnetv20_batchnorm0_gamma', 'resnetv20_dense0_bias', 'e18b9b1d5f10ae7d5b5d9f8d7916ab47801586b7', 'c844c8efcdee8191536e1d57c749700c928a0b32', 'bca8ba75ebdde62241fcc11bc2afc075742614c4'),
    'resnet101_v2': (514, 'resnetv20_batchnorm0_gamma', 'resnetv20_dense0_bias', '5933ff82ef41479270c1aa61fe781cdbdf1435c4', '6f0ae6e7f92a9594b161dff21ee6730b2b8c47fc', 'c52436247685829ef8b7706d8cbdf82ed5b133a7'),
    'resnet152_v2': (769, 'resnetv20_batchnorm0_gamma', 'resnetv20_dense0_bias', '68787e3a94edcef35597c29f5ac352c7a7791f5d', 'cf26e9436054dedf93d64388785f523218743141', '6f3afa5ce7d0d17b0f9d4b18aec308899bed6d91'),
    'vgg11': (22, 'vgg0_conv0_weight', 'vgg0_dense2_bias', '85c7fa30a41fbca411cd44fda52bc104f7ca34d9', '3991906f879c8a5a3ec50d6951d90be4b509c3ff', '720291eacfc74a3032eed11a1d3b94eb2c12a6ee'),
    'vgg13': (26, 'vgg0_conv0_weight', 'vgg0_dense2_bias', '6c9226ac548f9f2d6adc8033317fcec44be845c1', '6f6b34df354e33867845ec6b0373be9791109901', 'c5509d0ec0ddf558d555bdbf551e66da535b712a'),
    'vgg16': (32, 'vgg0_conv0_weight', 'vgg0_dense2_bias', '748589bb1848d9f13cbe681ac95e5269e58d4df2', 'cc720f5c944c51bff79f84316f647a5678606582', '41f3bdfc86e0c42e660ba85a58d7d08f05e8f909'),
    'vgg19': (38, 'vgg0_conv0_weight', 'vgg0_dense2_bias', '68b14d514b4c73a2e0f5d3221fb678c70cdc941b', 'f79a8f7af6969ed6c6f4a0d4815dd2c55b830e26', '8d2d173969d2cd9652e998106c2176178abef055'),
    'vgg11_bn': (54, 'vgg0_conv0_weight', 'vgg0_dense2_bias', 'fd5ae2d5b26982360ee94d771aef1b2dce44d82d', '29dbd026be0ac1cce1a4c71170f20792954981e4', '6b1b23bf065584a78c09d30d97baabf903e0b401'),
    'vgg13_bn': (66, 'vgg0_conv0_weight', 'vgg0_dense2_bias', '5bbc0a0072c81975d35aa70865dfd754ee2c3f45', '55859df46297d30d81a2fd986a302d3bc98ad057', '5f170a03352d609726a8d1c541440e1f27793198'),
    'vgg16_bn': (84, 'vgg0_conv0_weight', 'vgg0_dense2_bias', '54487284c632555e086183b2961cf44603d800c4', '9f4c768cafc0a3ece7a65c1a1e33b173cfb5f6c8', 'a71d69510e63971e8a29f8494d04927deb32ca04'),
    'vgg19_bn': (102, 'vgg0_conv0_weight', 'vgg0_dense2_bias', 'f029af0eac88327dca57b2ce085ed49e89fb6a8a', 'b0b050a1b2c6f8c1c9340720db38e87eac7e0215', '61ccda17fec6321ac0d3f3e9008680a72f981020'),
    'alexnet': (16, 'alexnet0_conv0_weight', 'alexnet0_dense2_bias', 'e8df50855f71ffa892c790f548d0fa4120c475bd', 'fd9ab4e6c7d688ba62844d60a0a49fbc6927b485', 'eb35028bf96a9f115227f96c5d901444cfac3d2e'),
    'squeezenet1.0': (52, 'squeezenet0_conv0_weight', 'squeezenet0_conv25_bias', '755618611c98de302bee78eedd518236392fac03', 'c378d4107b352a347b0da7e7cd146ae198acc765', '072ce59c8f564f36e62a9cc0c7d367baf3b40b6c'),
    'squeezenet1.1': (52, 'squeezenet0_conv0_weight', 'squeezenet0_conv25_bias', '755618611c98de302bee78eedd518236392fac03', '666a247de12728959e83e6d0d6cc589cdb41f57c', 'aa43a11207edaa9c61cdbc5bfcdfa161ac48e400'),
    'densenet121': (606, 'densenet0_conv0_weight', 'densenet0_dense0_bias', '44112ce2e67697e1d112d352f63150e7e7c390fa', '4eb03aba1ba3f275cf0598fa43a928d7623fccda', '512b89001c437ae127289bfd58e055a998097fd9'),
    'densenet161': (806, 'densenet0_conv0_weight', 'densenet0_dense0_bias', '5e02f2d502c828c74e8cc4d4d5ecc59386491fe2', 'f76cb6102addaa5c9c29af761b680cdeb5c340df', 'a13dbaa4d210c846942f2aeb62af622db3181728'),
    'densenet169': (846, 'densenet0_conv0_weight', 'densenet0_dense0_bias', '36f17381b4b121aace3343b2ae203cdf25f8ee8c', '544a0d6663bb40f05c413b697d6c10354bc63f00', '75cdd7e2e19f73124e9d60565a5442743b7fd3aa'),
    'densenet201': (1006, 'densenet0_conv0_weight', 'densenet0_dense0_bias', '6b49cb1474e48ddc469918fa01610df60b770115', 'a14ae668bfeb983a6e8ed7af5fe1f90ffd39bcfe', '5cd537cafba4d05fbb6fc84f8d4b05764386ab05'),
    'mobilenet1.0': (137, 'mobilenet0_conv0_weight', 'mobilenet0_dense0_bias', 'dba934b7ef371534fcbca49839cd6e2361ad0186', '5eb91b8e04724b5c5fdd9b8fe6a3eac10a2bdb28', 'f3e5969686f221bad5618891facad5e61992c59f'),
    'mobilenet0.75': (137, 'mobilenet0_conv0_weight', 'mobilenet0_dense0_bias', 'dba934b7ef371534fcbca49839cd6e2361ad0186', '5eb91b8e04724b5c5fdd9b8fe6a3eac10a2bdb28', 'b998a48e84d8e2fcf9c28abc347167c9dc495b4d'),
    'mobilenet0.5': (137, 'mobilenet0_conv0_weight', 'mobilenet0_dense0_bias', 'dba934b7ef371534fcbca49839cd6e2361ad0186', '5eb91b8e04724b5c5fdd9b8fe6a3eac10a2bdb28', 'e40a385ec0c477d31e9abf44e2a4bb4d72ec9dbb'),
    'mobilenet0.25': (137, 'mobilenet0_conv0_weight', 'mobilenet0_dense0_bias', 'dba934b7ef371534fcbca49839cd6e2361ad0186', '5eb91b8e04724b5c5fdd9b8fe6a3eac10a2bdb28', '20ebcb059ed9943770312737814f542546793fb8'),
    'mobilenetv2_1.0': (266, 'mobilenetv20_features_conv0_weight', 'mobilenetv20_output_pred_weight', 'b10f1c0796c97ff803bbf7386c94fe88c15af1c2', '1997ba24258a0df6287e11aa3d46600e86a6a5af', '80d999bd66722cad452738a8622c2c934da7399f'),
    'mobilenetv2_0.75': (266, 'mobilenetv20_features_conv0_weight', 'mobilenetv20_output_pred_weight', 'b10f1c0796c97ff803bbf7386c94fe88c15af1c2', '1997ba24258a0df6287e11aa3d46600e86a6a5af', 'f6f0576cb656891144a34f4f91f842b8ccf03c84'),
    'mobilenetv2_0.5': (266, 'mobilenetv20_features_conv0_weight', 'mobilenetv20_output_pred_weight', 'b10f1c0796c97ff803bbf7386c94fe88c15af1c2', '1997ba24258a0df6287e11aa3d46600e86a6a5af', '45fa4c9925b62f6bb445ae04ef718bdb872705ad'),
    'mobilenetv2_0.25': (266, 'mobilenetv20_features_conv0_weight', 'mobilenetv20_output_pred_weight', 'b10f1c0796c97ff803bbf7386c94fe88c15af1c2', '1997ba24258a0df6287e11aa3d46600e86a6a5af', '2ef4132cd3471749b9b3b7df8574df36f3138c65'),
    'inceptionv3': (472, 'inception30_conv0_weight', 'inception30_dense0_bias', '504587f4b562ed783eccaf2edeefe6217651707c', '8356306dc7e85978a91469534ad55d417cef9b77', 'f1ed568378551f4637db63f276b04d24e2ca2fa2'),
}

# name: sha1 of repr(net) before initialization
REPRS = {
    'resnet18_v1': '20c5b0b48c127fcddfa50c757468b69311797a94',
    'resnet34_v1': 'e1932184f75d2008e2fd9351098f5a06175945ec',
    'resnet50_v1': '37b400ab9de0dd048deab67de05d57b97a4983a0',
    'resnet101_v1': 'fc84616a0ec027072e442afb03d3733752bb3d0a',
    'resnet152_v1': 'b14d75bfeb121482dbf538e5a156cc9836ab7c6f',
    'resnet18_v2': '65086e276b0bb33d204d7f72d660a6620cb3db58',
    'resnet34_v2': 'ece21bdd400cce381b1726b086b57484b3645251',
    'resnet50_v2': '4deffb58a84c68fddda1018ef6faf376dd34ee51',
    'resnet101_v2': 'f6671e59619c6a65b1304432273f491f6bd29b08',
    'resnet152_v2': '6b3163d647f66c0c2fa7fca073957f6d6467f485',
    'vgg11': 'd81ec087b6256ed39414ac8f2243d97585aa2943',
    'vgg13': 'b12b114076c140a33b705ce47117f8320f5dfd2a',
    'vgg16': '301d9800652e1dad058f32872d9784f139802936',
    'vgg19': 'b0ec030d5fefc9f401d9ac0b390779de2fc4d789',
    'vgg11_bn': '74d707741ae59e66fb5e23c7b47339733b89bdbd',
    'vgg13_bn': 'fb58d1b7e9a83f617ab18f478fb129504c8ef488',
    'vgg16_bn': '7ed83e63ca4866f9ec630fc73c4e5ba3b0ece903',
    'vgg19_bn': '577fbc62cafd71f7eb8ac063cd99db2dd5eaa720',
    'alexnet': '9d231a4ad0a8f12e46bc3e0e507a15b7ce68bc56',
    'squeezenet1.0': 'f6a3b3893609fc0e50e548196ad26420e5cdfe1b',
    'squeezenet1.1': 'f66a935929a7f62110aec635ce6f7d07cfd7a4a7',
    'densenet121': '0d89506061733c415b1e61f0717d4ac168ae42ce',
    'densenet161': '2fb846188b1fff1082652dfc71f78915986335e3',
    'densenet169': 'd8c7ff818d6a82b170cdeb326c8a12ddb234d465',
    'densenet201': '8e394fc226f55189826d63e6225879ec3ea59a71',
    'mobilenet1.0': 'f458fa2ad3bf1c29b3c19485539094937e407349',
    'mobilenet0.75': '671e18ef1befe138c54e3ab39c1d592bd50caa92',
    'mobilenet0.5': 'c239c1d834a2458c5c756c9516cb522bcfc3003d',
    'mobilenet0.25': 'f49fccb0377f7ce78cf2faacaa339a043b22df8e',
    'mobilenetv2_1.0': '707a5a2881949a187405d8b516b6219416f810b5',
    'mobilenetv2_0.75': 'd8c89c4e1d8a01b7b17bf35ef6b9e4ae821094fc',
    'mobilenetv2_0.5': 'f81801acc9af5546269c781fa5d5d743c02df639',
    'mobilenetv2_0.25': 'bbd5b619b4e0c171fc75a1385860119315a2329e',
    'inceptionv3': 'e8dcb677aca3dc84418e8ae039c6ece4fd4e19da',
}

ALEXNET_KEYS = [
    'alexnet0_conv0_weight',
    'alexnet0_conv0_bias',
    'alexnet0_conv1_weight',
    'alexnet0_conv1_bias',
    'alexnet0_conv2_weight',
    'alexnet0_conv2_bias',
    'alexnet0_conv3_weight',
    'alexnet0_conv3_bias',
    'alexnet0_conv4_weight',
    'alexnet0_conv4_bias',
    'alexnet0_dense0_weight',
    'alexnet0_dense0_bias',
    'alexnet0_dense1_weight',
    'alexnet0_dense1_bias',
    'alexnet0_dense2_weight',
    'alexnet0_dense2_bias',
]

# name: (input side, output of the 10-class model for make_input(side) after fill_params)
VALUES = {
    'resnet18_v1': (32, [
        [-0.755954, -1.41723, -7.50204, -0.437386, -0.459096, 1.39468, 0.843931, 0.263122, -0.478183, 4.16932],
        [-2.04223, -0.47241, -8.34136, -0.139944, -0.354856, 0.841761, 0.229997, 0.42881, 0.806285, 2.39377],
    ]),
    'resnet18_v2': (32, [
        [6.91911, 2.92417, 1.23071, 0.58913, -0.709591, -4.10621, -9.02187, -6.3093, -1.66981, 0.641592],
        [4.96172, 3.58815, -1.47061, 0.157095, -1.04564, -3.33014, -7.31226, -4.01182, -1.30453, -0.398843],
    ]),
    'resnet50_v1': (32, [
        [-14.0646, 21.3584, -6.17438, 18.4555, -4.35815, -49.6496, -0.468754, -13.6054, 32.9376, 10.9958],
        [-15.6438, 21.2355, -8.68893, 15.8673, -6.19775, -46.2112, 0.733112, -11.5385, 33.4473, 10.3299],
    ]),
    'resnet50_v2': (32, [
        [1.98071, -7.97378, -7.80405, 3.60397, 6.07386, -4.013, 0.187338, -7.6382, 9.43079, 5.70843],
        [1.59356, -5.32347, -5.6693, 4.59921, 4.43209, -3.59166, 2.56439, -8.47344, 9.73717, 6.38148],
    ]),
    'vgg11': (32, [
        [2.9034, 0.703494, 2.32232, 1.45374, -1.46285, -5.71905, -2.42728, -2.46155, -0.200892, 0.353032],
        [2.88577, 0.520216, 2.01251, 1.37152, -1.38968, -5.497, -1.70989, -2.34827, -0.175968, -0.00164522],
    ]),
    'vgg11_bn': (32, [
        [0.279491, 1.28497, -1.36279, -0.857672, 0.0758038, -0.458532, -0.16404, 0.063614, 0.0715917, 1.58748],
        [0.254648, 1.09709, -1.12724, -0.763574, 0.0321735, -0.54284, -0.153734, -0.0144176, 0.198536, 1.45246],
    ]),
    'alexnet': (64, [
        [1.64724, -0.369282, 0.448859, 2.36683, 2.60727, -0.273744, -1.16663, 0.404756, -0.0282985, 3.59887],
        [1.77523, 0.190088, 0.10574, 2.16298, 2.33058, -1.02463, -1.18798, 0.0102636, -0.458329, 4.54716],
    ]),
    'squeezenet1.0': (224, [
        [2.58733, 0.0, 2.80293, 2.74974, 0.0863909, 2.15355, 1.37248, 0.00242997, 1.50899, 0.100926],
        [2.50071, 0.0, 2.77683, 2.71814, 0.080503, 2.10478, 1.35305, 0.00575203, 1.51162, 0.133764],
    ]),
    'squeezenet1.1': (224, [
        [3.36203, 0.0, 3.98822, 3.93291, 0.380927, 2.84258, 2.44352, 0.0369753, 2.26496, 0.344966],
        [3.32775, 0.0, 3.90372, 3.86403, 0.411003, 2.84263, 2.3807, 0.0292658, 2.21564, 0.324341],
    ]),
    'densenet121': (224, [
        [0.349604, 0.032824, 0.474243, -0.0435222, -0.142061, 0.363697, 0.281205, -0.572333, 0.172967, -0.614257],
        [0.346662, 0.0371353, 0.467198, -0.043498, -0.142754, 0.361119, 0.282675, -0.569362, 0.172895, -0.605491],
    ]),
    'mobilenet0.25': (32, [
        [-0.098667, -0.0858865, 0.00602489, -0.196316, -0.227466, 0.0399906, -0.158662, 0.0413854, -0.0137704, -0.0387264],
        [-0.0990368, -0.0861401, 0.00588428, -0.196307, -0.227699, 0.0399218, -0.158894, 0.0415994, -0.0132465, -0.0388123],
    ]),
    'mobilenetv2_0.25': (32, [
        [0.141341, 0.0299494, 0.162767, -0.413986, 0.0645065, -0.475265, 0.0026912, -0.0939681, 0.28953, -0.0651512],
        [0.0957007, -0.0293054, 0.261324, -0.477692, 0.11829, -0.452162, -0.0919762, 0.0240911, 0.361271, -0.102403],
    ]),
    'inceptionv3': (299, [
        [-0.284717, -0.224619, 0.0284391, 0.112077, -0.141379, 0.118672, 0.342272, -0.511358, 0.0907955, -0.0913782],
        [-0.285746, -0.223962, 0.0306259, 0.109543, -0.140365, 0.115013, 0.344043, -0.512169, 0.0921637, -0.0924779],
    ]),
}

# name: (input side, sha1 of the exported symbol JSON's nodes, 10 classes)
EXPORTS = {
    'resnet18_v1': (32, '8ff433ce15ade1888b0ad3e224d5c821c019efa6'),
    'resnet50_v2': (32, '67add2b5f6cd6d778c543f42341606528cd3936c'),
    'mobilenetv2_0.25': (32, '43fd54b11cee48cdf2fe65bd155ea6b3d3559dab'),
    'squeezenet1.1': (224, '7386f802df26f56f6ee8a14125efc18de6e893b9'),
    'densenet121': (224, '7eaa2292867c30d5097319de6b4c1d130f7e3599'),
    'inceptionv3': (299, '47a25161f575004b97714ff972f76de11477ce5c'),
}
